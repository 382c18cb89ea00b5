//! SDMX-ML 2.1 writers: the structure message (codelists, concept schemes, DSDs,
//! dataflows) and the structure-specific data message in time-series form (one
//! `Series` element per series key, `Obs` elements keyed by `TIME_PERIOD`).
//!
//! Element order follows the SDMX 2.1 schemas (`SDMXStructure.xsd`,
//! `SDMXStructureDataStructure.xsd`, `SDMXDataStructureSpecific.xsd`); the test
//! suite validates the output against those schemas.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

use crate::check::{self, Resolved};
use crate::error::Result;
use crate::model::{
    ArtefactRef, Attachment, Codelist, ConceptScheme, DataSet, DataStructure, Dataflow, Header,
    Representation, Structures, format_number,
};

const NS_MESSAGE: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message";
const NS_STRUCTURE: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure";
const NS_COMMON: &str = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common";
const NS_STRUCTURE_SPECIFIC: &str =
    "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Escapes an attribute value. Tabs and line breaks become character references
/// because XML attribute-value normalisation would otherwise turn them into spaces.
fn escape_attribute(value: &str) -> Cow<'_, str> {
    if !value.contains(['&', '<', '>', '"', '\'', '\t', '\n', '\r']) {
        return Cow::Borrowed(value);
    }
    let mut escaped = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' => escaped.push_str("&#9;"),
            '\n' => escaped.push_str("&#10;"),
            '\r' => escaped.push_str("&#13;"),
            other => escaped.push(other),
        }
    }
    Cow::Owned(escaped)
}

/// Escapes element text. A carriage return becomes a reference so that XML
/// end-of-line handling does not turn it into a line feed.
fn escape_text(value: &str) -> Cow<'_, str> {
    if !value.contains(['&', '<', '>', '\r']) {
        return Cow::Borrowed(value);
    }
    let mut escaped = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '\r' => escaped.push_str("&#13;"),
            other => escaped.push(other),
        }
    }
    Cow::Owned(escaped)
}

/// A thin layer over quick-xml's writer that escapes attribute values itself.
struct Xml<W: Write> {
    writer: Writer<W>,
}

impl<W: Write> Xml<W> {
    fn new(out: W) -> io::Result<Self> {
        let mut writer = Writer::new_with_indent(out, b' ', 2);
        writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Xml { writer })
    }

    fn element<'a>(name: &'a str, attributes: &[(&'a str, &'a str)]) -> BytesStart<'a> {
        let mut start = BytesStart::new(name);
        for (key, value) in attributes {
            start.push_attribute(Attribute {
                key: QName(key),
                value: escape_attribute(value),
            });
        }
        start
    }

    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.writer
            .write_event(Event::Start(Self::element(name, attributes)))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.writer.write_event(Event::End(BytesEnd::new(name)))
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) -> io::Result<()> {
        self.writer
            .write_event(Event::Empty(Self::element(name, attributes)))
    }

    fn text_element(
        &mut self,
        name: &str,
        attributes: &[(&str, &str)],
        text: &str,
    ) -> io::Result<()> {
        self.start(name, attributes)?;
        self.writer
            .write_event(Event::Text(BytesText::from_escaped(escape_text(text))))?;
        self.end(name)
    }

    fn finish(self) -> io::Result<W> {
        let mut out = self.writer.into_inner();
        out.write_all(b"\n")?;
        Ok(out)
    }
}

fn urn(class: &str, reference: &ArtefactRef) -> String {
    format!("urn:sdmx:org.sdmx.infomodel.{class}={reference}")
}

fn write_header<W: Write>(xml: &mut Xml<W>, header: &Header) -> io::Result<()> {
    xml.start("mes:Header", &[])?;
    xml.text_element("mes:ID", &[], &header.id)?;
    xml.text_element("mes:Test", &[], if header.test { "true" } else { "false" })?;
    xml.text_element("mes:Prepared", &[], &header.prepared)?;
    xml.empty("mes:Sender", &[("id", &header.sender)])?;
    Ok(())
}

fn write_names<W: Write>(
    xml: &mut Xml<W>,
    language: &str,
    name: &str,
    description: Option<&str>,
) -> io::Result<()> {
    xml.text_element("com:Name", &[("xml:lang", language)], name)?;
    if let Some(description) = description {
        xml.text_element("com:Description", &[("xml:lang", language)], description)?;
    }
    Ok(())
}

fn maintainable_attributes<'a>(
    urn: &'a str,
    agency: &'a str,
    id: &'a str,
    version: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("urn", urn),
        ("id", id),
        ("agencyID", agency),
        ("version", version),
        ("isFinal", "true"),
    ]
}

/// Writes an SDMX-ML 2.1 structure message holding every artefact of `structures`.
pub fn write_structure<W: Write>(out: W, header: &Header, structures: &Structures) -> Result<W> {
    check::check_header(header)?;
    check::check_structures(structures)?;
    let language = header.language.as_str();
    let mut xml = Xml::new(out)?;
    xml.start(
        "mes:Structure",
        &[
            ("xmlns:mes", NS_MESSAGE),
            ("xmlns:str", NS_STRUCTURE),
            ("xmlns:com", NS_COMMON),
            ("xmlns:xsi", NS_XSI),
        ],
    )?;
    write_header(&mut xml, header)?;
    xml.end("mes:Header")?;
    xml.start("mes:Structures", &[])?;

    // The schema fixes this order: Dataflows, Codelists, Concepts, DataStructures.
    if !structures.dataflows.is_empty() {
        xml.start("str:Dataflows", &[])?;
        for dataflow in &structures.dataflows {
            write_dataflow(&mut xml, language, dataflow)?;
        }
        xml.end("str:Dataflows")?;
    }
    if !structures.codelists.is_empty() {
        xml.start("str:Codelists", &[])?;
        for codelist in &structures.codelists {
            write_codelist(&mut xml, language, codelist)?;
        }
        xml.end("str:Codelists")?;
    }
    if !structures.concept_schemes.is_empty() {
        xml.start("str:Concepts", &[])?;
        for scheme in &structures.concept_schemes {
            write_concept_scheme(&mut xml, language, scheme)?;
        }
        xml.end("str:Concepts")?;
    }
    if !structures.data_structures.is_empty() {
        xml.start("str:DataStructures", &[])?;
        for dsd in &structures.data_structures {
            write_data_structure(&mut xml, language, dsd)?;
        }
        xml.end("str:DataStructures")?;
    }
    xml.end("mes:Structures")?;
    xml.end("mes:Structure")?;
    Ok(xml.finish()?)
}

fn write_dataflow<W: Write>(
    xml: &mut Xml<W>,
    language: &str,
    dataflow: &Dataflow,
) -> io::Result<()> {
    let reference = dataflow.reference();
    let urn = urn("datastructure.Dataflow", &reference);
    xml.start(
        "str:Dataflow",
        &maintainable_attributes(&urn, &dataflow.agency, &dataflow.id, &dataflow.version),
    )?;
    write_names(xml, language, &dataflow.name, None)?;
    xml.start("str:Structure", &[])?;
    write_maintainable_ref(xml, &dataflow.structure, "datastructure", "DataStructure")?;
    xml.end("str:Structure")?;
    xml.end("str:Dataflow")
}

fn write_maintainable_ref<W: Write>(
    xml: &mut Xml<W>,
    reference: &ArtefactRef,
    package: &str,
    class: &str,
) -> io::Result<()> {
    xml.empty(
        "Ref",
        &[
            ("agencyID", &reference.agency),
            ("id", &reference.id),
            ("version", &reference.version),
            ("package", package),
            ("class", class),
        ],
    )
}

fn write_codelist<W: Write>(
    xml: &mut Xml<W>,
    language: &str,
    codelist: &Codelist,
) -> io::Result<()> {
    let urn = urn("codelist.Codelist", &codelist.reference());
    xml.start(
        "str:Codelist",
        &maintainable_attributes(&urn, &codelist.agency, &codelist.id, &codelist.version),
    )?;
    write_names(
        xml,
        language,
        &codelist.name,
        codelist.description.as_deref(),
    )?;
    for code in &codelist.codes {
        xml.start("str:Code", &[("id", &code.id)])?;
        write_names(xml, language, &code.name, code.description.as_deref())?;
        if let Some(parent) = &code.parent {
            xml.start("str:Parent", &[])?;
            xml.empty("Ref", &[("id", parent)])?;
            xml.end("str:Parent")?;
        }
        xml.end("str:Code")?;
    }
    xml.end("str:Codelist")
}

fn write_concept_scheme<W: Write>(
    xml: &mut Xml<W>,
    language: &str,
    scheme: &ConceptScheme,
) -> io::Result<()> {
    let urn = urn("conceptscheme.ConceptScheme", &scheme.reference());
    xml.start(
        "str:ConceptScheme",
        &maintainable_attributes(&urn, &scheme.agency, &scheme.id, &scheme.version),
    )?;
    write_names(xml, language, &scheme.name, None)?;
    for concept in &scheme.concepts {
        xml.start("str:Concept", &[("id", &concept.id)])?;
        write_names(xml, language, &concept.name, concept.description.as_deref())?;
        xml.end("str:Concept")?;
    }
    xml.end("str:ConceptScheme")
}

fn write_concept_identity<W: Write>(
    xml: &mut Xml<W>,
    scheme: &ArtefactRef,
    concept: &str,
) -> io::Result<()> {
    xml.start("str:ConceptIdentity", &[])?;
    xml.empty(
        "Ref",
        &[
            ("maintainableParentID", &scheme.id),
            ("maintainableParentVersion", &scheme.version),
            ("agencyID", &scheme.agency),
            ("id", concept),
            ("package", "conceptscheme"),
            ("class", "Concept"),
        ],
    )?;
    xml.end("str:ConceptIdentity")
}

fn write_representation<W: Write>(
    xml: &mut Xml<W>,
    representation: &Representation,
) -> io::Result<()> {
    xml.start("str:LocalRepresentation", &[])?;
    match representation {
        Representation::Coded(codelist) => {
            xml.start("str:Enumeration", &[])?;
            write_maintainable_ref(xml, codelist, "codelist", "Codelist")?;
            xml.end("str:Enumeration")?;
        }
        Representation::Text(text_type) => {
            xml.empty("str:TextFormat", &[("textType", text_type.sdmx_name())])?;
        }
    }
    xml.end("str:LocalRepresentation")
}

fn write_data_structure<W: Write>(
    xml: &mut Xml<W>,
    language: &str,
    dsd: &DataStructure,
) -> io::Result<()> {
    let urn = urn("datastructure.DataStructure", &dsd.reference());
    xml.start(
        "str:DataStructure",
        &maintainable_attributes(&urn, &dsd.agency, &dsd.id, &dsd.version),
    )?;
    write_names(xml, language, &dsd.name, None)?;
    xml.start("str:DataStructureComponents", &[])?;

    xml.start("str:DimensionList", &[("id", "DimensionDescriptor")])?;
    for (index, dimension) in dsd.dimensions.iter().enumerate() {
        let position = (index + 1).to_string();
        xml.start(
            "str:Dimension",
            &[("id", &dimension.id), ("position", &position)],
        )?;
        write_concept_identity(xml, &dsd.concepts, &dimension.id)?;
        write_representation(xml, &Representation::Coded(dimension.codelist.clone()))?;
        xml.end("str:Dimension")?;
    }
    let time_position = (dsd.dimensions.len() + 1).to_string();
    xml.start(
        "str:TimeDimension",
        &[("id", &dsd.time_dimension), ("position", &time_position)],
    )?;
    write_concept_identity(xml, &dsd.concepts, &dsd.time_dimension)?;
    xml.start("str:LocalRepresentation", &[])?;
    xml.empty("str:TextFormat", &[("textType", "ObservationalTimePeriod")])?;
    xml.end("str:LocalRepresentation")?;
    xml.end("str:TimeDimension")?;
    xml.end("str:DimensionList")?;

    if !dsd.attributes.is_empty() {
        xml.start("str:AttributeList", &[("id", "AttributeDescriptor")])?;
        for attribute in &dsd.attributes {
            xml.start(
                "str:Attribute",
                &[
                    ("id", &attribute.id),
                    ("assignmentStatus", attribute.assignment.sdmx_name()),
                ],
            )?;
            write_concept_identity(xml, &dsd.concepts, &attribute.id)?;
            write_representation(xml, &attribute.representation)?;
            xml.start("str:AttributeRelationship", &[])?;
            match attribute.attachment {
                Attachment::Observation => {
                    xml.start("str:PrimaryMeasure", &[])?;
                    xml.empty("Ref", &[("id", &dsd.primary_measure)])?;
                    xml.end("str:PrimaryMeasure")?;
                }
                Attachment::Series => {
                    for dimension in &dsd.dimensions {
                        xml.start("str:Dimension", &[])?;
                        xml.empty("Ref", &[("id", &dimension.id)])?;
                        xml.end("str:Dimension")?;
                    }
                }
            }
            xml.end("str:AttributeRelationship")?;
            xml.end("str:Attribute")?;
        }
        xml.end("str:AttributeList")?;
    }

    xml.start("str:MeasureList", &[("id", "MeasureDescriptor")])?;
    xml.start("str:PrimaryMeasure", &[("id", &dsd.primary_measure)])?;
    write_concept_identity(xml, &dsd.concepts, &dsd.primary_measure)?;
    xml.start("str:LocalRepresentation", &[])?;
    xml.empty("str:TextFormat", &[("textType", "Double")])?;
    xml.end("str:LocalRepresentation")?;
    xml.end("str:PrimaryMeasure")?;
    xml.end("str:MeasureList")?;

    xml.end("str:DataStructureComponents")?;
    xml.end("str:DataStructure")
}

/// Writes an SDMX-ML 2.1 structure-specific data message (time-series form).
/// Suppressed or missing cells are written as `Obs` elements without `OBS_VALUE`,
/// keeping their status attributes.
pub fn write_structure_specific<W: Write>(
    out: W,
    header: &Header,
    structures: &Structures,
    data: &DataSet,
) -> Result<W> {
    check::check_header(header)?;
    let resolved = check::resolve(structures, data)?;
    Ok(write_resolved(out, header, &resolved)?)
}

pub(crate) fn write_resolved<W: Write>(
    out: W,
    header: &Header,
    resolved: &Resolved<'_>,
) -> io::Result<W> {
    let dsd = resolved.dsd;
    let dsd_ref = dsd.reference();
    // The namespace that a DSD-specific schema would declare (SDMX 2.1 Section 3B,
    // structure-specific data): the DSD URN plus the observation dimension.
    let namespace = format!(
        "{}:ObsLevelDim:{}",
        urn("datastructure.DataStructure", &dsd_ref),
        dsd.time_dimension
    );
    let structure_id = format!(
        "{}_{}_{}",
        dsd.agency,
        dsd.id,
        dsd.version.replace('.', "_")
    );

    let mut xml = Xml::new(out)?;
    xml.start(
        "mes:StructureSpecificData",
        &[
            ("xmlns:mes", NS_MESSAGE),
            ("xmlns:ss", NS_STRUCTURE_SPECIFIC),
            ("xmlns:ns1", &namespace),
            ("xmlns:com", NS_COMMON),
            ("xmlns:xsi", NS_XSI),
        ],
    )?;
    write_header(&mut xml, header)?;
    xml.start(
        "mes:Structure",
        &[
            ("structureID", &structure_id),
            ("namespace", &namespace),
            ("dimensionAtObservation", &dsd.time_dimension),
        ],
    )?;
    xml.start("com:Structure", &[])?;
    xml.empty(
        "Ref",
        &[
            ("agencyID", &dsd_ref.agency),
            ("id", &dsd_ref.id),
            ("version", &dsd_ref.version),
        ],
    )?;
    xml.end("com:Structure")?;
    xml.end("mes:Structure")?;
    xml.end("mes:Header")?;

    xml.start(
        "mes:DataSet",
        &[
            ("ss:structureRef", &structure_id),
            ("xsi:type", "ns1:DataSetType"),
            ("ss:dataScope", "DataStructure"),
            ("action", "Information"),
        ],
    )?;
    let series_attributes = resolved.series_attributes();
    let observation_attributes = resolved.observation_attributes();
    for series in &resolved.series {
        let mut attributes: Vec<(&str, &str)> = dsd
            .dimensions
            .iter()
            .zip(series.key)
            .map(|(dimension, code)| (dimension.id.as_str(), code.as_str()))
            .collect();
        for &at in &series_attributes {
            let id = dsd.attributes[at].id.as_str();
            if let Some(value) = series
                .observations
                .iter()
                .find_map(|o| o.attributes.get(id))
            {
                attributes.push((id, value));
            }
        }
        xml.start("Series", &attributes)?;
        for observation in &series.observations {
            let value = observation.value.map(format_number);
            let mut attributes: Vec<(&str, &str)> = vec![(
                dsd.time_dimension.as_str(),
                observation.time_period.as_str(),
            )];
            if let Some(value) = &value {
                attributes.push((dsd.primary_measure.as_str(), value));
            }
            for &at in &observation_attributes {
                let id = dsd.attributes[at].id.as_str();
                if let Some(value) = observation.attributes.get(id) {
                    attributes.push((id, value));
                }
            }
            xml.empty("Obs", &attributes)?;
        }
        xml.end("Series")?;
    }
    xml.end("mes:DataSet")?;
    xml.end("mes:StructureSpecificData")?;
    xml.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_escaping_covers_markup_quotes_and_whitespace() {
        assert_eq!(
            escape_attribute("Theft & \"robbery\" <x>\n'y'\t"),
            "Theft &amp; &quot;robbery&quot; &lt;x&gt;&#10;&apos;y&apos;&#9;"
        );
        assert!(matches!(escape_attribute("plain"), Cow::Borrowed(_)));
        assert_eq!(escape_text("a < b & c\r\n"), "a &lt; b &amp; c&#13;\n");
    }
}
