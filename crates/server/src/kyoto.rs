//! The Kyoto Declaration's commitments and the Evident evidence for each.
//!
//! The content lives in `data/kyoto.toml` (compiled into the binary): the
//! Declaration's own part and topic headings, and for each operative paragraph
//! (21 to 96) a one-line summary in our words, the indicators that give evidence
//! for it, and a note on what the evidence does and does not show. The data
//! layer supplies the latest value of each indicator; [`kyoto_view`] joins the two.
//!
//! Source: Kyoto Declaration on Advancing Crime Prevention, Criminal Justice and
//! the Rule of Law: Towards the Achievement of the 2030 Agenda for Sustainable
//! Development, adopted by the Fourteenth United Nations Congress on Crime
//! Prevention and Criminal Justice, Kyoto, 7 March 2021 (A/CONF.234/16, chap. I,
//! resolution 1).

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use thiserror::Error;

use crate::query::ExplorerQuery;
use crate::view::{Direction, IndicatorSummary, Latest};

const KYOTO_TOML: &str = include_str!("../data/kyoto.toml");

/// The embedded Declaration content is unusable. Tests keep this from
/// happening; the page reports it rather than failing the whole server.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KyotoError {
    /// `data/kyoto.toml` does not parse.
    #[error("data/kyoto.toml does not parse: {0}")]
    Parse(String),
    /// It parses but breaks a rule (unknown indicator, numbers out of order …).
    #[error("data/kyoto.toml: {0}")]
    Invalid(String),
}

/// An indicator or view that can be cited as evidence, with the title shown
/// when the data layer has no summary for it yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvidenceSource {
    /// Catalogue id.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
}

/// Everything a commitment can cite: the engine's indicator catalogue, plus the
/// early-warning view (`trends`) and programme evaluation (`evaluation`).
pub const EVIDENCE_SOURCES: &[EvidenceSource] = &[
    EvidenceSource {
        id: "offences",
        title: "Police-recorded offences",
    },
    EvidenceSource {
        id: "victims",
        title: "Victims of police-recorded offences",
    },
    EvidenceSource {
        id: "sdg_16_1_1",
        title: "Victims of intentional homicide (SDG 16.1.1)",
    },
    EvidenceSource {
        id: "sdg_16_2_2",
        title: "Detected victims of trafficking in persons (SDG 16.2.2)",
    },
    EvidenceSource {
        id: "sdg_16_3_2",
        title: "Unsentenced detainees as a share of prisoners (SDG 16.3.2)",
    },
    EvidenceSource {
        id: "sdg_16_10_1",
        title: "Killings of journalists, trade unionists and human rights defenders (SDG 16.10.1)",
    },
    EvidenceSource {
        id: "justice_chain",
        title: "Flow of cases through the justice chain",
    },
    EvidenceSource {
        id: "prison_occupancy",
        title: "Prison occupancy",
    },
    EvidenceSource {
        id: "severity_index",
        title: "Crime severity index",
    },
    EvidenceSource {
        id: "reoffending",
        title: "Proven reoffending",
    },
    EvidenceSource {
        id: "recidivism",
        title: "Rearrest and reconviction after release",
    },
    EvidenceSource {
        id: "trends",
        title: "Early warning",
    },
    EvidenceSource {
        id: "evaluation",
        title: "Programme evaluation",
    },
];

/// The evidence source with this id.
pub fn evidence_source(id: &str) -> Option<&'static EvidenceSource> {
    EVIDENCE_SOURCES.iter().find(|s| s.id == id)
}

/// Where the dashboard shows an evidence source, if it has a page.
pub fn evidence_href(id: &str) -> Option<String> {
    match id {
        "trends" => Some("/early-warning".to_owned()),
        // Programme evaluation runs from the command line (`evident evaluate`).
        "evaluation" => None,
        _ => Some(
            ExplorerQuery {
                indicator: Some(id.to_owned()),
                ..Default::default()
            }
            .href(),
        ),
    }
}

/// The Declaration's operative part, as embedded.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Declaration {
    /// Full title.
    pub title: String,
    /// Document symbol.
    pub symbol: String,
    /// Date of adoption (ISO 8601).
    pub adopted: String,
    /// Its parts, in order.
    #[serde(rename = "part")]
    pub parts: Vec<Part>,
}

/// A part of the Declaration ("Advancing crime prevention").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// The Declaration's heading.
    pub heading: String,
    /// Its topics.
    #[serde(rename = "topic")]
    pub topics: Vec<Topic>,
}

/// A topic within a part ("Evidence-based crime prevention").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    /// The Declaration's heading; the follow-up paragraph has none.
    pub heading: Option<String>,
    /// Its paragraphs.
    #[serde(rename = "paragraph")]
    pub commitments: Vec<Commitment>,
}

/// One operative paragraph.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// Paragraph number in the Declaration.
    pub number: u16,
    /// One line in our words.
    pub summary: String,
    /// Evidence sources ([`EVIDENCE_SOURCES`] ids); empty when Evident has none.
    pub indicators: Vec<String>,
    /// What the evidence shows and what it does not.
    pub note: Option<String>,
    /// ICCS categories whose recorded offences give context (not evidence).
    #[serde(default)]
    pub related_iccs: Vec<String>,
}

impl Declaration {
    /// Parses and checks Declaration content in the format of `data/kyoto.toml`.
    pub fn parse(text: &str) -> Result<Declaration, KyotoError> {
        let declaration: Declaration =
            toml::from_str(text).map_err(|e| KyotoError::Parse(e.to_string()))?;
        declaration.check()?;
        Ok(declaration)
    }

    /// Every paragraph, in order.
    pub fn commitments(&self) -> impl Iterator<Item = &Commitment> {
        self.parts
            .iter()
            .flat_map(|p| &p.topics)
            .flat_map(|t| &t.commitments)
    }

    fn check(&self) -> Result<(), KyotoError> {
        let invalid = |msg: String| Err(KyotoError::Invalid(msg));
        let mut previous = 0;
        for c in self.commitments() {
            let n = c.number;
            if n <= previous {
                return invalid(format!(
                    "paragraph {n} comes after {previous}: numbers must increase"
                ));
            }
            previous = n;
            let summary = c.summary.trim();
            if summary.is_empty() || summary.contains('\n') || summary.len() > 200 {
                return invalid(format!(
                    "paragraph {n}: the summary must be one line of at most 200 bytes"
                ));
            }
            for id in &c.indicators {
                if evidence_source(id).is_none() {
                    return invalid(format!("paragraph {n}: unknown indicator `{id}`"));
                }
            }
            for code in &c.related_iccs {
                if evident_iccs::iccs().get(code).is_none() {
                    return invalid(format!("paragraph {n}: `{code}` is not an ICCS 1.0 code"));
                }
            }
        }
        Ok(())
    }
}

static EMBEDDED: LazyLock<Result<Declaration, KyotoError>> =
    LazyLock::new(|| Declaration::parse(KYOTO_TOML));

/// The embedded Declaration content, parsed once.
pub fn declaration() -> Result<&'static Declaration, KyotoError> {
    EMBEDDED.as_ref().map_err(Clone::clone)
}

/// The Kyoto page.
#[derive(Debug, Clone, PartialEq)]
pub struct KyotoView {
    /// Title of the Declaration.
    pub title: String,
    /// Document symbol.
    pub symbol: String,
    /// Date of adoption.
    pub adopted: String,
    /// Parts shown.
    pub parts: Vec<PartView>,
    /// Paragraphs with at least one indicator.
    pub measured: usize,
    /// All operative paragraphs.
    pub total: usize,
    /// Whether only paragraphs with an indicator are shown.
    pub only_measured: bool,
    /// Each cited indicator once, with the paragraphs it serves.
    pub by_indicator: Vec<(Evidence, Vec<u16>)>,
}

/// A part on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct PartView {
    /// Heading.
    pub heading: String,
    /// Anchor id.
    pub anchor: String,
    /// Topics shown.
    pub topics: Vec<TopicView>,
}

/// A topic on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicView {
    /// Heading, if the Declaration gives one.
    pub heading: Option<String>,
    /// Paragraphs shown.
    pub commitments: Vec<CommitmentView>,
}

/// A paragraph on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct CommitmentView {
    /// Paragraph number.
    pub number: u16,
    /// Our summary.
    pub summary: String,
    /// What the evidence shows and what it does not.
    pub note: Option<String>,
    /// The evidence, with latest values.
    pub evidence: Vec<Evidence>,
    /// Related ICCS categories, with names and explorer links.
    pub related: Vec<RelatedOffences>,
}

/// An evidence source with its latest value.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Link to its page, if it has one.
    pub href: Option<String>,
    /// Latest national value, if computed.
    pub latest: Option<Latest>,
    /// Direction of the latest change.
    pub direction: Direction,
    /// Remark from the data layer.
    pub note: Option<String>,
}

/// Recorded offences of one ICCS category, as context for a commitment.
#[derive(Debug, Clone, PartialEq)]
pub struct RelatedOffences {
    /// ICCS code.
    pub code: String,
    /// ICCS name.
    pub name: String,
    /// Explorer link.
    pub href: String,
}

/// Joins the embedded Declaration content with the latest indicator values.
/// Indicators the data layer does not (yet) summarise are listed without a value.
pub fn kyoto_view(
    summaries: &[IndicatorSummary],
    only_measured: bool,
) -> Result<KyotoView, KyotoError> {
    Ok(build(declaration()?, summaries, only_measured))
}

fn build(
    declaration: &Declaration,
    summaries: &[IndicatorSummary],
    only_measured: bool,
) -> KyotoView {
    let evidence = |id: &str| {
        let summary = summaries.iter().find(|s| s.id == id);
        let fallback = evidence_source(id).map_or(id, |s| s.title);
        Evidence {
            id: id.to_owned(),
            title: summary.map_or_else(|| fallback.to_owned(), |s| s.title.clone()),
            href: evidence_href(id),
            latest: summary.and_then(|s| s.latest.clone()),
            direction: summary.map_or(Direction::Unknown, |s| s.direction),
            note: summary.and_then(|s| s.note.clone()),
        }
    };
    let mut total = 0;
    let mut measured = 0;
    let mut paragraphs_of: BTreeMap<usize, Vec<u16>> = BTreeMap::new();
    let mut parts = Vec::new();
    for (i, part) in declaration.parts.iter().enumerate() {
        let mut topics = Vec::new();
        for topic in &part.topics {
            let mut commitments = Vec::new();
            for c in &topic.commitments {
                total += 1;
                if !c.indicators.is_empty() {
                    measured += 1;
                }
                for id in &c.indicators {
                    if let Some(pos) = EVIDENCE_SOURCES.iter().position(|s| s.id == id) {
                        paragraphs_of.entry(pos).or_default().push(c.number);
                    }
                }
                if only_measured && c.indicators.is_empty() {
                    continue;
                }
                let related = c
                    .related_iccs
                    .iter()
                    .filter_map(|code| evident_iccs::iccs().get(code))
                    .map(|cat| RelatedOffences {
                        code: cat.code.to_owned(),
                        name: cat.name.to_owned(),
                        href: ExplorerQuery {
                            indicator: Some("offences".to_owned()),
                            iccs: Some(cat.code.to_owned()),
                            ..Default::default()
                        }
                        .href(),
                    })
                    .collect();
                commitments.push(CommitmentView {
                    number: c.number,
                    summary: c.summary.trim().to_owned(),
                    note: c.note.clone(),
                    evidence: c.indicators.iter().map(|id| evidence(id)).collect(),
                    related,
                });
            }
            if !commitments.is_empty() {
                topics.push(TopicView {
                    heading: topic.heading.clone(),
                    commitments,
                });
            }
        }
        if !topics.is_empty() {
            parts.push(PartView {
                heading: part.heading.clone(),
                anchor: format!("part-{}", i + 1),
                topics,
            });
        }
    }
    let by_indicator = paragraphs_of
        .into_iter()
        .map(|(pos, numbers)| (evidence(EVIDENCE_SOURCES[pos].id), numbers))
        .collect();
    KyotoView {
        title: declaration.title.clone(),
        symbol: declaration.symbol.clone(),
        adopted: declaration.adopted.clone(),
        parts,
        measured,
        total,
        only_measured,
        by_indicator,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Declaration's structure and the hashes of each paragraph's six-word
    /// runs, made from the text by `scripts/kyoto_fingerprint.py` (the repository
    /// keeps no sentence of the Declaration).
    const FINGERPRINT: &str = include_str!("../data/kyoto_fingerprint.txt");

    /// The Declaration's operative part as a sequence of heading lines and
    /// paragraph numbers, paragraphs 21 to 96.
    fn operative_outline() -> Vec<Outline> {
        FINGERPRINT
            .lines()
            .filter_map(|line| match line.split_once(' ') {
                Some(("H", heading)) => Some(Outline::Heading(heading.to_owned())),
                Some(("P", number)) => number.parse().ok().map(Outline::Paragraph),
                _ => None,
            })
            .collect()
    }

    /// The hashes of the six-word runs of one paragraph.
    fn paragraph_runs(number: u16) -> std::collections::HashSet<&'static str> {
        let prefix = format!("S {number} ");
        FINGERPRINT
            .lines()
            .filter_map(|line| line.strip_prefix(prefix.as_str()))
            .collect()
    }

    #[derive(Debug, PartialEq)]
    enum Outline {
        Heading(String),
        Paragraph(u16),
    }

    fn ours() -> Vec<Outline> {
        let d = declaration().unwrap();
        let mut outline = Vec::new();
        for part in &d.parts {
            outline.push(Outline::Heading(part.heading.clone()));
            for topic in &part.topics {
                if let Some(h) = &topic.heading {
                    outline.push(Outline::Heading(h.clone()));
                }
                outline.extend(
                    topic
                        .commitments
                        .iter()
                        .map(|c| Outline::Paragraph(c.number)),
                );
            }
        }
        outline
    }

    #[test]
    fn the_embedded_content_parses_and_covers_paragraphs_21_to_96() {
        let d = declaration().unwrap();
        let numbers: Vec<u16> = d.commitments().map(|c| c.number).collect();
        assert_eq!(numbers, (21..=96).collect::<Vec<u16>>());
        assert_eq!(d.parts.len(), 5);
    }

    #[test]
    fn headings_and_paragraphs_follow_the_declaration_text() {
        // Every heading is a line of the Declaration, every paragraph number opens
        // a paragraph of it, and each paragraph sits under the same heading there.
        assert_eq!(ours(), operative_outline());
    }

    fn hex16(digest: &[u8]) -> String {
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn the_fingerprint_detects_a_copied_run() {
        // Paragraph 22 opens "Enhance evidence-based crime prevention strategies through
        // the collection ..." (A/CONF.234/16): its first six words must be found.
        use sha2::{Digest, Sha256};
        let run = "enhance evidence based crime prevention strategies";
        assert!(paragraph_runs(22).contains(hex16(&Sha256::digest(run.as_bytes())).as_str()));
        assert!(!paragraph_runs(23).contains(hex16(&Sha256::digest(run.as_bytes())).as_str()));
    }

    #[test]
    fn summaries_are_our_own_words() {
        // No run of six words of a summary appears in the paragraph it summarises.
        use sha2::{Digest, Sha256};
        let words = |s: &str| -> Vec<String> {
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(|w| w.to_lowercase().replace("organiz", "organis"))
                .collect()
        };
        let mut copied = Vec::new();
        for c in declaration().unwrap().commitments() {
            let runs = paragraph_runs(c.number);
            assert!(
                !runs.is_empty(),
                "paragraph {} has no fingerprint",
                c.number
            );
            let summary = words(&c.summary);
            for run in summary.windows(6) {
                let run = run.join(" ");
                let hash = hex16(&Sha256::digest(run.as_bytes()));
                if runs.contains(hash.as_str()) {
                    copied.push(format!("paragraph {}: \"{run}\"", c.number));
                }
            }
        }
        assert!(
            copied.is_empty(),
            "summaries repeat the Declaration's wording:\n{}",
            copied.join("\n")
        );
    }

    #[test]
    fn every_cited_indicator_is_in_the_catalogue() {
        let allowed = [
            "offences",
            "victims",
            "sdg_16_1_1",
            "sdg_16_2_2",
            "sdg_16_3_2",
            "sdg_16_10_1",
            "justice_chain",
            "prison_occupancy",
            "severity_index",
            "reoffending",
            "recidivism",
            "trends",
            "evaluation",
        ];
        let sources: Vec<&str> = EVIDENCE_SOURCES.iter().map(|s| s.id).collect();
        assert_eq!(sources, allowed);
        for c in declaration().unwrap().commitments() {
            for id in &c.indicators {
                assert!(
                    allowed.contains(&id.as_str()),
                    "paragraph {}: {id}",
                    c.number
                );
            }
        }
    }

    #[test]
    fn an_unknown_indicator_or_iccs_code_is_refused() {
        let with = |indicators: &str, related: &str| {
            format!(
                "title = \"t\"\nsymbol = \"s\"\nadopted = \"2021-03-07\"\n[[part]]\nheading = \"h\"\n\
                 [[part.topic]]\n[[part.topic.paragraph]]\nnumber = 21\nsummary = \"x\"\n\
                 indicators = [{indicators}]\nrelated_iccs = [{related}]\n"
            )
        };
        assert!(Declaration::parse(&with("\"offences\"", "\"0101\"")).is_ok());
        assert!(matches!(
            Declaration::parse(&with("\"crime_rate\"", "")),
            Err(KyotoError::Invalid(_))
        ));
        assert!(matches!(
            Declaration::parse(&with("", "\"0199\"")),
            Err(KyotoError::Invalid(_))
        ));
        assert!(matches!(
            Declaration::parse("title = 1"),
            Err(KyotoError::Parse(_))
        ));
    }

    #[test]
    fn the_commitments_on_data_prisons_reoffending_and_trafficking_cite_their_indicators() {
        // The paragraphs DESIGN.md names as Evident's purpose, with the indicator the
        // engine's catalogue defines for each (catalogue.rs, `kyoto_paragraphs`).
        let d = declaration().unwrap();
        let cites = |n: u16, id: &str| {
            d.commitments()
                .find(|c| c.number == n)
                .is_some_and(|c| c.indicators.iter().any(|i| i == id))
        };
        for (n, id) in [
            (22, "offences"),
            (23, "offences"),
            (23, "sdg_16_1_1"),
            (36, "sdg_16_3_2"),
            (36, "prison_occupancy"),
            (37, "reoffending"),
            (38, "reoffending"),
            (39, "recidivism"),
            (81, "sdg_16_2_2"),
        ] {
            assert!(cites(n, id), "paragraph {n} should cite {id}");
        }
    }

    #[test]
    fn the_view_joins_latest_values_and_counts_measured_paragraphs() {
        let summaries = vec![IndicatorSummary {
            id: "sdg_16_2_2".into(),
            title: "Trafficking victims".into(),
            latest: Some(Latest {
                period: "2023".into(),
                value: crate::view::Cell::Value(1.5),
                unit: "per 100k".into(),
                decimals: 1,
            }),
            direction: Direction::Rising,
            note: None,
        }];
        let all = kyoto_view(&summaries, false).unwrap();
        let d = declaration().unwrap();
        let measured = d.commitments().filter(|c| !c.indicators.is_empty()).count();
        assert_eq!((all.total, all.measured), (76, measured));
        let p81 = all
            .parts
            .iter()
            .flat_map(|p| &p.topics)
            .flat_map(|t| &t.commitments)
            .find(|c| c.number == 81)
            .unwrap();
        assert_eq!(p81.evidence[0].title, "Trafficking victims");
        assert_eq!(p81.evidence[0].direction, Direction::Rising);
        assert_eq!(
            p81.evidence[0].href.as_deref(),
            Some("/explorer?indicator=sdg_16_2_2")
        );
        assert_eq!(p81.related, vec![]);
        let p82 = all
            .parts
            .iter()
            .flat_map(|p| &p.topics)
            .flat_map(|t| &t.commitments)
            .find(|c| c.number == 82)
            .unwrap();
        assert_eq!(p82.related[0].name, "Smuggling of migrants offences"); // ICCS 1.0, group 08051
        assert_eq!(
            p82.related[0].href,
            "/explorer?indicator=offences&iccs=08051"
        );
        // Without a summary the catalogue title is used and nothing is invented.
        let p57 = all
            .parts
            .iter()
            .flat_map(|p| &p.topics)
            .flat_map(|t| &t.commitments)
            .find(|c| c.number == 57)
            .unwrap();
        assert_eq!(p57.evidence[0].latest, None);
        assert_eq!(p57.evidence[0].direction, Direction::Unknown);

        let only = kyoto_view(&summaries, true).unwrap();
        let shown: usize = only
            .parts
            .iter()
            .flat_map(|p| &p.topics)
            .map(|t| t.commitments.len())
            .sum();
        assert_eq!(shown, measured);
        assert!(
            only.parts
                .iter()
                .flat_map(|p| &p.topics)
                .all(|t| !t.commitments.is_empty())
        );
        let (trafficking, paragraphs) = all
            .by_indicator
            .iter()
            .find(|(e, _)| e.id == "sdg_16_2_2")
            .unwrap();
        assert_eq!(
            trafficking.latest.as_ref().map(|l| l.period.as_str()),
            Some("2023")
        );
        assert!(paragraphs.contains(&81) && paragraphs.contains(&96));
    }
}
