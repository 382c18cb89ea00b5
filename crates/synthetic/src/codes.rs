//! The national offence code list of Valmora and its true correspondence to
//! the ICCS.
//!
//! Codes follow the numbering of a penal code (`PC-` and an article number)
//! grouped by chapter. Titles are the official English titles used for
//! international reporting. Each code carries its volume (percent of all
//! recorded offences at the start of the period), the [`Profile`] that shapes
//! its records, and one or more correspondence rows; conditional rows split a
//! code by a recorded field exactly as `docs/correspondence-tables.md`
//! describes, and for every record exactly one row applies.
//!
//! The ICCS assignments follow the ICCS 1.0 definitions and its alphabetical
//! index (UNODC, 2015, *International Classification of Crime for Statistical
//! Purposes, Version 1.0*, Annex 2).

use crate::profiles::{self as p, Profile};

/// When a correspondence row applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cond {
    Always,
    Attempted(bool),
    VictimAgeBelow(i32),
    VictimAgeAtLeast(i32),
    Location(&'static [u8]),
    Weapon(&'static [u8]),
}

impl Cond {
    /// The condition in the syntax of `docs/correspondence-tables.md`.
    pub(crate) fn render(&self) -> String {
        fn list(values: &[u8]) -> String {
            values
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join("|")
        }
        match self {
            Cond::Always => String::new(),
            Cond::Attempted(a) => format!("attempted={a}"),
            Cond::VictimAgeBelow(n) => format!("victim_age<{n}"),
            Cond::VictimAgeAtLeast(n) => format!("victim_age>={n}"),
            Cond::Location(v) if v.len() == 1 => format!("location_type={}", v[0]),
            Cond::Location(v) => format!("location_type in {}", list(v)),
            Cond::Weapon(v) if v.len() == 1 => format!("weapon={}", v[0]),
            Cond::Weapon(v) => format!("weapon in {}", list(v)),
        }
    }

    /// Whether the condition holds for a record. A missing field never satisfies a clause.
    pub(crate) fn holds(&self, record: &RecordFacts) -> bool {
        match *self {
            Cond::Always => true,
            Cond::Attempted(a) => record.attempted == a,
            Cond::VictimAgeBelow(n) => record.youngest_victim_age.is_some_and(|age| age < n),
            Cond::VictimAgeAtLeast(n) => record.youngest_victim_age.is_some_and(|age| age >= n),
            Cond::Location(values) => values.contains(&record.location),
            Cond::Weapon(values) => values.contains(&record.weapon),
        }
    }
}

/// The recorded fields a correspondence condition can look at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecordFacts {
    pub attempted: bool,
    pub weapon: u8,
    pub location: u8,
    pub youngest_victim_age: Option<i32>,
}

/// One row of the correspondence table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mapping {
    pub iccs: &'static str,
    pub cond: Cond,
    pub note: &'static str,
}

const fn to(iccs: &'static str) -> Mapping {
    Mapping {
        iccs,
        cond: Cond::Always,
        note: "",
    }
}

const fn when(iccs: &'static str, cond: Cond, note: &'static str) -> Mapping {
    Mapping { iccs, cond, note }
}

const fn noted(iccs: &'static str, note: &'static str) -> Mapping {
    Mapping {
        iccs,
        cond: Cond::Always,
        note,
    }
}

/// One national offence code.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OffenceCode {
    pub code: &'static str,
    pub title: &'static str,
    pub profile: Profile,
    /// Percent of all offences at the start of the period (before trends).
    pub share: f64,
    /// First month in force, counted from January of the first year; `None`: long before.
    pub from_month: Option<i32>,
    /// Last month in force (inclusive); `None`: still in force.
    pub to_month: Option<i32>,
    pub map: &'static [Mapping],
}

const fn c(
    code: &'static str,
    title: &'static str,
    profile: Profile,
    share: f64,
    map: &'static [Mapping],
) -> OffenceCode {
    OffenceCode {
        code,
        title,
        profile,
        share,
        from_month: None,
        to_month: None,
        map,
    }
}

impl OffenceCode {
    const fn att(mut self, attempted: f64) -> Self {
        self.profile.attempted = attempted;
        self
    }
    const fn cy(mut self, cyber: f64) -> Self {
        self.profile.cyber = cyber;
        self
    }
    const fn loc(mut self, location: [f64; 8]) -> Self {
        self.profile.location = location;
        self
    }
    const fn from(mut self, month: i32) -> Self {
        self.from_month = Some(month);
        self
    }
    const fn until(mut self, month: i32) -> Self {
        self.to_month = Some(month);
        self
    }

    /// Whether the code is in force during month `t` (months after the start).
    pub(crate) fn in_force(&self, t: i32) -> bool {
        self.from_month.is_none_or(|f| t >= f) && self.to_month.is_none_or(|u| t <= u)
    }

    /// The ICCS code of a record under the true correspondence (`None` if no row applies).
    #[cfg(test)]
    pub(crate) fn iccs_for(&self, record: &RecordFacts) -> Option<&'static str> {
        self.map
            .iter()
            .find(|m| m.cond.holds(record))
            .map(|m| m.iccs)
    }
}

const ATTEMPT_SPLIT_0101: &[Mapping] = &[
    when("0101", Cond::Attempted(false), "completed killings"),
    when(
        "0102",
        Cond::Attempted(true),
        "attempts have their own ICCS division",
    ),
];
const HOME: &[u8] = &[1];
const BUSINESS: &[u8] = &[6];
const PUBLIC_PREMISES: &[u8] = &[3, 4, 5];
const NOT_HOME_OR_BUSINESS: &[u8] = &[2, 3, 4, 5, 7, 8];
const STREET: &[u8] = &[2];
const NOT_HOME_OR_STREET: &[u8] = &[3, 4, 5, 6, 7, 8];
const OPEN_OR_UNKNOWN: &[u8] = &[2, 7, 8];
const FIREARM_OR_KNIFE: &[u8] = &[1, 2];
const NO_FIREARM_OR_KNIFE: &[u8] = &[3, 4, 5, 6];

/// Codes introduced during the period, after the office's correspondence
/// table was last revised: the shipped `correspondence.csv` lacks them.
pub(crate) const OMITTED_FROM_SHIPPED_TABLE: [&str; 5] =
    ["PC-127", "PC-135", "PC-149", "PC-167", "PC-258"];

/// Codes that appear in dirty rows but are not in the code list at all.
pub(crate) const UNKNOWN_CODES: [&str; 6] =
    ["PC-999", "PC-099", "PC-577", "PC-2O1", "PC 213", "PC-213X"];

#[rustfmt::skip]
pub(crate) static CODES: &[OffenceCode] = &[
    // Chapter 1: offences against life.
    c("PC-111", "Murder", p::MURDER, 0.25, ATTEMPT_SPLIT_0101),
    c("PC-112", "Manslaughter (intentional killing without aggravating circumstances)", p::MANSLAUGHTER, 0.20, ATTEMPT_SPLIT_0101),
    c("PC-113", "Infanticide", p::MURDER, 0.004, ATTEMPT_SPLIT_0101).att(0.2),
    c("PC-114", "Killing on request", p::MANSLAUGHTER, 0.003, &[noted("0105", "euthanasia as defined by the ICCS")]).att(0.1),
    c("PC-115", "Assisting or inciting suicide", p::NEGLIGENT_DEATH, 0.004, &[to("01041")]),
    c("PC-116", "Negligent homicide", p::NEGLIGENT_DEATH, 0.03, &[to("010322")]),
    c("PC-117", "Causing death by careless or dangerous driving", p::NEGLIGENT_DEATH, 0.05, &[to("010321")]),
    c("PC-118", "Unlawful termination of pregnancy", p::NEGLIGENT_DEATH, 0.003, &[to("0106")]),
    c("PC-119", "Bodily injury resulting in death", p::MANSLAUGHTER, 0.02, &[noted("0101", "serious assault leading to death is intentional homicide in the ICCS")]).att(0.0),
    // Chapter 2: bodily harm.
    c("PC-121", "Grievous bodily harm", p::SERIOUS_ASSAULT, 2.0, &[to("020111")]),
    c("PC-122", "Bodily harm", p::ASSAULT, 8.0, &[
        when("020111", Cond::Weapon(FIREARM_OR_KNIFE), "with a firearm or knife: serious assault"),
        when("020112", Cond::Weapon(NO_FIREARM_OR_KNIFE), "other cases: minor assault"),
    ]),
    c("PC-123", "Bodily harm using a dangerous instrument", p::SERIOUS_ASSAULT, 1.0, &[to("020111")]),
    c("PC-124", "Negligent bodily harm", p::TRAFFIC_INJURY, 0.6, &[to("02069")]).loc(p::L_MIXED),
    c("PC-125", "Participation in a brawl", p::ASSAULT, 0.3, &[noted("08011", "affray")]),
    c("PC-126", "Resisting an enforcement officer", p::JUSTICE_ORDER, 0.5, &[noted("08062", "resisting arrest")]).loc(p::L_STREET),
    c("PC-127", "Domestic abuse", p::DOMESTIC, 1.0, &[noted("0201", "pattern of abuse in the family: assaults and threats, not split further")]).from(18),
    c("PC-128", "Female genital mutilation", p::CHILD_SEXUAL, 0.002, &[to("020111")]),
    c("PC-129", "Administering a stupefying substance", p::ASSAULT, 0.02, &[noted("020112", "drugging or spiking")]),
    // Chapter 3: threats, coercion, liberty, honour and privacy.
    c("PC-131", "Threat", p::THREAT, 3.0, &[
        when("020121", Cond::Weapon(FIREARM_OR_KNIFE), "threat with a firearm or knife"),
        when("020122", Cond::Weapon(NO_FIREARM_OR_KNIFE), "other threats"),
    ]),
    c("PC-132", "Threat to kill", p::THREAT, 0.6, &[to("020121")]),
    c("PC-133", "Coercion", p::COERCION, 0.4, &[to("02059")]),
    c("PC-134", "Extortion", p::COERCION, 0.3, &[to("02051")]),
    c("PC-135", "Stalking", p::HARASSMENT, 0.6, &[to("02082")]).from(14),
    c("PC-136", "Harassment", p::HARASSMENT, 1.0, &[to("020819")]),
    c("PC-137", "Harassment at the workplace", p::HARASSMENT, 0.05, &[to("020811")]).loc(p::L_COMMERCIAL),
    c("PC-138", "Unlawful restraint", p::LIBERTY, 0.1, &[to("020222")]),
    c("PC-139", "Kidnapping", p::LIBERTY, 0.03, &[
        when("020219", Cond::VictimAgeBelow(18), "victim a minor: abduction of a minor"),
        when("020221", Cond::VictimAgeAtLeast(18), "adult victim"),
    ]),
    c("PC-140", "Child abduction by a parent", p::CHILD_ABDUCTION, 0.02, &[to("020211")]),
    c("PC-141", "Hostage taking", p::LIBERTY, 0.002, &[to("020222")]),
    c("PC-142", "Forced marriage", p::LIBERTY, 0.002, &[to("020292")]),
    c("PC-143", "Trafficking in human beings", p::TRAFFICKING, 0.02, &[noted("0204", "form of exploitation recorded per victim")]),
    c("PC-144", "Labour exploitation", p::FORCED_LABOUR, 0.01, &[to("02032")]),
    c("PC-145", "Smuggling of migrants", p::MIGRATION, 0.05, &[to("08051")]),
    c("PC-146", "Defamation", p::MINOR_PERSONAL, 0.3, &[to("02099")]),
    c("PC-147", "Insult", p::MINOR_PERSONAL, 0.6, &[to("02099")]).cy(0.15),
    c("PC-148", "Violation of privacy by recording or interception", p::MINOR_PERSONAL, 0.15, &[to("02111")]),
    c("PC-149", "Sharing intimate images without consent", p::SEXUAL_MINOR, 0.15, &[noted("030129", "like voyeurism in the ICCS index")]).cy(0.9).from(36),
    c("PC-150", "Trespass in a dwelling", p::MINOR_PERSONAL, 0.8, &[noted("0509", "criminal trespass")]).loc(p::L_HOME).cy(0.0),
    c("PC-151", "Discrimination in the supply of goods or services", p::MINOR_PERSONAL, 0.01, &[to("02101")]).cy(0.0),
    c("PC-152", "Incitement to hatred", p::PUBLIC_ORDER, 0.08, &[to("080322")]).cy(0.5),
    // Chapter 4: sexual offences.
    c("PC-161", "Rape", p::RAPE, 0.6, &[
        when("030111", Cond::VictimAgeAtLeast(16), "victim at or above the age of consent"),
        when("030113", Cond::VictimAgeBelow(16), "below the age of consent: statutory rape"),
    ]),
    c("PC-162", "Sexual assault", p::SEXUAL_ASSAULT, 0.9, &[to("030121")]),
    c("PC-163", "Sexual abuse of a child", p::CHILD_SEXUAL, 0.4, &[to("030121")]),
    c("PC-164", "Sexual harassment", p::SEXUAL_MINOR, 0.5, &[to("030122")]),
    c("PC-165", "Indecent exposure", p::SEXUAL_MINOR, 0.3, &[noted("08029", "exhibitionism")]).cy(0.0),
    c("PC-166", "Possession or distribution of child sexual abuse material", p::ABUSE_MATERIAL, 0.25, &[to("030221")]),
    c("PC-167", "Grooming of a child for sexual purposes", p::GROOMING, 0.08, &[to("030223")]).from(30),
    c("PC-168", "Procuring (pimping)", p::SEXUAL_EXPLOITATION, 0.05, &[to("03021")]),
    c("PC-169", "Child prostitution", p::SEXUAL_EXPLOITATION, 0.01, &[to("030222")]),
    c("PC-170", "Soliciting in a prohibited zone", p::PUBLIC_ORDER, 0.05, &[to("08021")]),
    c("PC-171", "Incest", p::SEXUAL_MINOR, 0.01, &[to("08029")]).loc(p::L_HOME).cy(0.0),
    c("PC-172", "Sexual intercourse by abuse of a position of trust", p::SEXUAL_ASSAULT, 0.03, &[noted("030112", "procuring sex through abuse of power")]),
    c("PC-173", "Voyeurism", p::SEXUAL_MINOR, 0.05, &[to("030129")]),
    // Chapter 5: robbery.
    c("PC-181", "Robbery", p::ROBBERY, 1.0, &[
        when("040111", Cond::Location(STREET), "in a public place"),
        when("040112", Cond::Location(HOME), "in a private place"),
        when("040119", Cond::Location(NOT_HOME_OR_STREET), "elsewhere"),
    ]),
    c("PC-182", "Aggravated robbery", p::ROBBERY, 0.3, &[noted("0401", "armed or in a group; not split by target")]),
    c("PC-183", "Robbery of a bank or post office", p::ROBBERY_PREMISES, 0.01, &[to("040131")]),
    c("PC-184", "Robbery of a shop or petrol station", p::ROBBERY_PREMISES, 0.1, &[to("040132")]),
    c("PC-185", "Robbery of a motor vehicle (carjacking)", p::ROBBERY, 0.02, &[to("040121")]).loc(p::L_VEHICLE),
    c("PC-186", "Theft with violence to retain the stolen goods", p::ROBBERY, 0.05, &[to("04019")]),
    c("PC-187", "Street robbery (mugging)", p::ROBBERY, 0.15, &[to("040111")]).loc(p::L_STREET),
    // Chapter 6: burglary.
    c("PC-201", "Burglary of a dwelling", p::BURGLARY_HOME, 4.0, &[to("050121")]),
    c("PC-202", "Burglary of a holiday home or second residence", p::BURGLARY_HOME, 0.3, &[to("050122")]),
    c("PC-203", "Burglary of business premises", p::BURGLARY_OTHER, 1.8, &[to("05011")]),
    c("PC-204", "Burglary of public buildings", p::BURGLARY_OTHER, 0.3, &[to("05013")]).loc(p::L_PUBLIC),
    c("PC-205", "Burglary of a garage, shed or cellar", p::BURGLARY_HOME, 1.0, &[noted("05012", "outbuildings of private residences")]),
    c("PC-206", "Breaking and entering", p::BURGLARY_OTHER, 0.6, &[
        when("05012", Cond::Location(HOME), "private residential premises"),
        when("05011", Cond::Location(BUSINESS), "business premises"),
        when("05019", Cond::Location(NOT_HOME_OR_BUSINESS), "premises not identified"),
    ]).loc(p::L_PREMISES),
    // Chapter 7: theft.
    c("PC-211", "Theft", p::THEFT, 7.0, &[noted("0502", "type of theft not recorded")]),
    c("PC-212", "Aggravated theft", p::THEFT, 1.0, &[noted("0502", "theft from a locked container or by a gang; not burglary")]),
    c("PC-213", "Shoplifting", p::THEFT_BUSINESS, 6.0, &[to("050231")]),
    c("PC-214", "Pickpocketing", p::THEFT, 2.5, &[to("050221")]),
    c("PC-215", "Bag snatching without violence", p::THEFT, 0.4, &[to("050221")]),
    c("PC-216", "Theft from a motor vehicle", p::THEFT, 3.5, &[to("050222")]).loc(p::L_VEHICLE),
    c("PC-217", "Theft of a motor vehicle", p::VEHICLE_THEFT, 1.5, &[to("050211")]),
    c("PC-218", "Unauthorised use of a motor vehicle", p::VEHICLE_THEFT, 0.4, &[noted("050212", "joyriding")]),
    c("PC-219", "Theft of motor vehicle parts", p::VEHICLE_THEFT, 1.0, &[noted("050213", "includes catalytic converters")]),
    c("PC-220", "Theft of a bicycle", p::THEFT, 2.5, &[to("050229")]),
    c("PC-221", "Theft by an employee", p::THEFT_BUSINESS, 0.4, &[to("050239")]),
    c("PC-222", "Theft of livestock", p::THEFT_BUSINESS, 0.05, &[to("05025")]).loc(p::L_OTHER),
    c("PC-223", "Theft of public property", p::THEFT_BUSINESS, 0.2, &[to("05024")]).loc(p::L_PUBLIC),
    c("PC-224", "Theft of electricity or other utilities", p::THEFT_BUSINESS, 0.05, &[to("05026")]),
    c("PC-225", "Fare evasion", p::THEFT_BUSINESS, 1.2, &[to("05026")]).loc(p::L_STREET),
    c("PC-226", "Theft from a dwelling without breaking in", p::THEFT, 1.0, &[to("050229")]).loc(p::L_HOME),
    c("PC-227", "Making off without payment", p::THEFT_BUSINESS, 0.5, &[to("05029")]),
    c("PC-228", "Theft of metal", p::THEFT_BUSINESS, 0.2, &[to("05029")]).loc(p::L_OTHER),
    c("PC-229", "Misappropriation of found property", p::THEFT, 0.3, &[to("05029")]),
    c("PC-230", "Receiving stolen goods", p::FORGERY, 0.4, &[noted("07049", "handling the proceeds of crime")]),
    // Chapter 8: damage.
    c("PC-241", "Criminal damage", p::DAMAGE, 6.0, &[
        when("05042", Cond::Location(HOME), "at a residence: personal property"),
        when("05043", Cond::Location(BUSINESS), "business property"),
        when("05041", Cond::Location(PUBLIC_PREMISES), "schools, institutions: public property"),
        when("05049", Cond::Location(OPEN_OR_UNKNOWN), "owner not identified"),
    ]),
    c("PC-242", "Arson", p::ARSON, 0.4, &[to("0504")]),
    c("PC-243", "Graffiti", p::DAMAGE, 1.2, &[to("0504")]).loc(p::L_STREET),
    c("PC-244", "Damage to a motor vehicle", p::DAMAGE, 1.5, &[to("05042")]).loc(p::L_VEHICLE),
    c("PC-245", "Damage to public infrastructure", p::DAMAGE, 0.3, &[to("05041")]).loc(p::L_STREET),
    // Chapter 9: fraud and forgery.
    c("PC-251", "Fraud", p::FRAUD, 3.0, &[to("070112")]),
    c("PC-252", "Computer-related fraud", p::ONLINE_FRAUD, 1.8, &[to("070112")]).cy(1.0),
    c("PC-253", "Payment card fraud", p::FRAUD, 1.0, &[noted("07011", "cheque and credit card fraud")]).cy(0.7),
    c("PC-254", "Social benefit fraud", p::STATE_FRAUD, 0.3, &[to("070111")]),
    c("PC-255", "Tax evasion", p::REGULATORY, 0.15, &[to("08041")]),
    c("PC-256", "Insurance fraud", p::FRAUD, 0.2, &[to("07019")]).cy(0.1),
    c("PC-257", "Non-delivery of goods bought online", p::ONLINE_FRAUD, 1.2, &[noted("07019", "fraudulent failure to supply goods")]),
    c("PC-258", "Identity theft", p::ONLINE_FRAUD, 0.4, &[to("07019")]).cy(0.7).from(24),
    c("PC-259", "Forgery of documents", p::FORGERY, 0.5, &[to("07023")]),
    c("PC-260", "Use of a forged identity document", p::FORGERY, 0.15, &[to("07019")]),
    c("PC-261", "Counterfeiting of currency", p::FORGERY, 0.05, &[to("070211")]),
    c("PC-262", "Counterfeiting of payment cards", p::FORGERY, 0.05, &[to("070212")]),
    c("PC-263", "Cheque fraud", p::FRAUD, 0.2, &[to("07011")]).cy(0.0).until(23),
    c("PC-264", "Sale of counterfeit goods", p::REGULATORY, 0.05, &[to("07022")]),
    c("PC-265", "Copyright infringement", p::REGULATORY, 0.05, &[to("0503")]),
    c("PC-266", "Breach of trust", p::STATE_FRAUD, 0.4, &[noted("07032", "embezzlement in the private sector")]),
    c("PC-267", "Fraudulent bankruptcy", p::REGULATORY, 0.05, &[to("08042")]),
    // Chapter 10: corruption and proceeds of crime.
    c("PC-271", "Offering a bribe", p::CORRUPTION, 0.03, &[to("070311")]),
    c("PC-272", "Accepting a bribe", p::CORRUPTION, 0.02, &[to("070312")]),
    c("PC-273", "Embezzlement by a public official", p::CORRUPTION, 0.02, &[to("07032")]),
    c("PC-274", "Abuse of office", p::CORRUPTION, 0.03, &[to("07033")]),
    c("PC-275", "Trading in influence", p::CORRUPTION, 0.005, &[to("07034")]),
    c("PC-276", "Money laundering", p::CORRUPTION, 0.15, &[to("07041")]),
    c("PC-277", "Trafficking in cultural property", p::CORRUPTION, 0.003, &[to("07042")]),
    // Chapter 11: drugs, alcohol and tobacco (Narcotics Act).
    c("PC-281", "Possession of controlled drugs for personal use", p::DRUG_USE, 3.0, &[to("060111")]),
    c("PC-282", "Cultivation of cannabis for personal use", p::DRUG_USE, 0.3, &[to("060112")]).loc(p::L_HOME),
    c("PC-283", "Drug trafficking", p::DRUG_SUPPLY, 1.2, &[to("060121")]),
    c("PC-284", "Manufacture of controlled drugs", p::DRUG_SUPPLY, 0.05, &[to("060122")]).loc(p::L_PREMISES),
    c("PC-285", "Large-scale cultivation of controlled drugs", p::DRUG_SUPPLY, 0.1, &[to("060123")]).loc(p::L_PREMISES),
    c("PC-286", "Diversion of precursor chemicals", p::DRUG_SUPPLY, 0.005, &[to("060124")]).loc(p::L_COMMERCIAL),
    c("PC-287", "Other offences under the Narcotics Act", p::DRUG_USE, 0.2, &[to("06019")]),
    c("PC-288", "Supplying alcohol or tobacco to minors", p::REGULATORY, 0.05, &[to("11021")]),
    c("PC-289", "Illicit distilling of spirits", p::REGULATORY, 0.01, &[to("060212")]),
    // Chapter 12: public order and the administration of justice.
    c("PC-301", "Riot", p::PUBLIC_ORDER, 0.1, &[noted("08011", "violent public disorder")]),
    c("PC-302", "Disorderly conduct", p::PUBLIC_ORDER, 1.5, &[to("08012")]),
    c("PC-303", "Public drunkenness causing a nuisance", p::PUBLIC_ORDER, 0.3, &[to("08012")]),
    c("PC-304", "Breach of a protection order", p::PROTECTION_ORDER, 0.6, &[to("08062")]),
    c("PC-305", "Breach of bail conditions", p::JUSTICE_ORDER, 0.1, &[to("08062")]),
    c("PC-306", "Escape from lawful custody", p::PRISON_ORDER, 0.01, &[to("08062")]),
    c("PC-307", "Perjury", p::JUSTICE_ORDER, 0.03, &[to("08061")]),
    c("PC-308", "Intimidation of a witness", p::JUSTICE_ORDER, 0.05, &[to("08061")]),
    c("PC-309", "Insulting a public official", p::PUBLIC_ORDER, 0.1, &[to("08069")]),
    c("PC-310", "Unlawful entry or stay", p::MIGRATION, 0.3, &[to("08059")]),
    c("PC-311", "Employing foreign workers without a permit", p::REGULATORY, 0.05, &[to("08059")]),
    c("PC-312", "Customs smuggling", p::REGULATORY, 0.1, &[to("08044")]),
    c("PC-313", "Illegal gambling", p::REGULATORY, 0.03, &[to("08043")]),
    c("PC-314", "Insider dealing", p::REGULATORY, 0.003, &[to("08045")]),
    c("PC-315", "Electoral fraud", p::REGULATORY, 0.005, &[to("08071")]),
    c("PC-316", "Breach of workplace safety regulations", p::REGULATORY, 0.05, &[to("09021")]),
    c("PC-317", "Aggressive begging", p::PUBLIC_ORDER, 0.05, &[to("08012")]),
    c("PC-318", "Cruelty to animals", p::ENVIRONMENT, 0.15, &[to("10091")]),
    c("PC-319", "Disturbing religious worship or the peace of the dead", p::PUBLIC_ORDER, 0.02, &[to("08012")]),
    c("PC-320", "Bigamy", p::REGULATORY, 0.001, &[to("08029")]),
    c("PC-321", "Contempt of court", p::JUSTICE_ORDER, 0.02, &[to("08069")]),
    c("PC-322", "Failure to pay child maintenance", p::STATE_FRAUD, 0.2, &[noted("0809", "criminal provisions relating to the family")]),
    // Chapter 13: weapons.
    c("PC-331", "Unlawful possession of a firearm", p::WEAPONS, 0.2, &[to("090111")]),
    c("PC-332", "Carrying a prohibited weapon", p::WEAPONS, 0.5, &[noted("090112", "knives and other weapons")]),
    c("PC-333", "Trafficking in firearms", p::ORGANISED, 0.01, &[to("090121")]),
    c("PC-334", "Offences involving explosives", p::WEAPONS, 0.02, &[to("090112")]),
    // Chapter 14: road traffic.
    c("PC-341", "Driving under the influence of alcohol", p::DRINK_DRIVING, 2.0, &[to("020721")]),
    c("PC-342", "Driving under the influence of drugs", p::DRINK_DRIVING, 0.5, &[to("020722")]),
    c("PC-343", "Dangerous driving", p::TRAFFIC, 0.4, &[to("02079")]),
    c("PC-344", "Leaving the scene of an accident", p::TRAFFIC, 0.5, &[noted("0907", "no injury recorded")]),
    c("PC-345", "Driving without a licence", p::TRAFFIC, 0.6, &[to("0907")]),
    c("PC-346", "Causing injury by careless driving", p::TRAFFIC_INJURY, 0.4, &[to("02063")]),
    // Chapter 15: computer systems.
    c("PC-351", "Unauthorised access to a computer system", p::COMPUTER, 0.3, &[to("09031")]),
    c("PC-352", "Interference with computer data", p::COMPUTER, 0.1, &[to("090322")]),
    c("PC-353", "Interference with a computer system", p::COMPUTER, 0.03, &[noted("090321", "denial of service")]),
    c("PC-354", "Illegal interception of computer data", p::COMPUTER, 0.02, &[to("09033")]),
    c("PC-355", "Misuse of devices for computer offences", p::COMPUTER, 0.02, &[to("09039")]),
    // Chapter 16: organised crime and terrorism.
    c("PC-361", "Participation in a criminal organisation", p::ORGANISED, 0.02, &[to("09051")]),
    c("PC-362", "Participation in a terrorist organisation", p::STATE_SECURITY, 0.002, &[to("09061")]),
    c("PC-363", "Financing of terrorism", p::STATE_SECURITY, 0.001, &[to("09062")]),
    c("PC-364", "Public provocation to commit a terrorist offence", p::STATE_SECURITY, 0.002, &[to("09069")]).cy(0.7),
    c("PC-365", "Treason and espionage", p::STATE_SECURITY, 0.001, &[to("0904")]),
    // Chapter 17: environment.
    c("PC-371", "Pollution of water", p::ENVIRONMENT, 0.02, &[to("10012")]),
    c("PC-372", "Illegal dumping of waste", p::ENVIRONMENT, 0.15, &[to("10021")]),
    c("PC-373", "Illegal cross-border shipment of waste", p::ENVIRONMENT, 0.005, &[to("10022")]),
    c("PC-374", "Poaching", p::ENVIRONMENT, 0.05, &[to("10042")]),
    c("PC-375", "Illegal logging", p::ENVIRONMENT, 0.01, &[to("10041")]),
    c("PC-376", "Trade in protected species", p::ENVIRONMENT, 0.01, &[to("100311")]),
    c("PC-377", "Pollution of the air", p::ENVIRONMENT, 0.005, &[to("10011")]),
    // Chapter 18: care, negligence and other offences.
    c("PC-381", "Neglect of a child", p::NEGLECT, 0.1, &[to("020611")]),
    c("PC-382", "Neglect of a dependent adult", p::NEGLECT_ADULT, 0.03, &[to("020612")]),
    c("PC-383", "Gross negligence in medical treatment", p::TRAFFIC_INJURY, 0.01, &[to("02062")]).loc(p::L_PUBLIC),
    c("PC-384", "Endangering public health", p::REGULATORY, 0.02, &[noted("02071", "sale of noxious food or drink")]),
    c("PC-385", "Torture by a public official", p::LIBERTY, 0.001, &[to("11011")]).loc(p::L_PRISON),
    c("PC-398", "Other offences against the person", p::MINOR_PERSONAL, 0.2, &[noted("0219", "residual chapter code")]),
    c("PC-399", "Other offences under the Penal Code", p::REGULATORY, 0.3, &[noted("1109", "residual code: nature of the act not recorded")]),
    c("PC-400", "Offences under other statutes", p::REGULATORY, 0.3, &[noted("0809", "special statutes not elsewhere specified")]),
];

/// The index of a code in [`CODES`].
pub(crate) fn index_of(code: &str) -> Option<usize> {
    CODES.iter().position(|c| c.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn facts(attempted: bool, weapon: u8, location: u8, age: Option<i32>) -> RecordFacts {
        RecordFacts {
            attempted,
            weapon,
            location,
            youngest_victim_age: age,
        }
    }

    #[test]
    fn about_150_unique_codes_and_all_iccs_codes_exist() {
        assert!((150..=200).contains(&CODES.len()), "{}", CODES.len());
        let mut seen = HashSet::new();
        for code in CODES {
            assert!(seen.insert(code.code), "duplicate {}", code.code);
            assert!(!code.map.is_empty());
            for m in code.map {
                assert!(
                    evident_iccs::iccs().get(m.iccs).is_some(),
                    "{} → {}",
                    code.code,
                    m.iccs
                );
            }
            let j = code.profile.justice;
            assert!(j.convict + j.acquit <= 1.0, "{}", code.code);
            assert!(
                (j.sentence.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                "{}",
                code.code
            );
            assert!(code.share > 0.0);
        }
        for omitted in OMITTED_FROM_SHIPPED_TABLE {
            let code = &CODES[index_of(omitted).expect("omitted code exists")];
            assert!(
                code.from_month.is_some_and(|m| m > 0),
                "{omitted} must be introduced mid-period"
            );
        }
        for unknown in UNKNOWN_CODES {
            assert!(
                index_of(unknown).is_none(),
                "{unknown} must not be a real code"
            );
        }
    }

    #[test]
    fn exactly_one_row_applies_to_every_possible_record() {
        // Conditional codes only look at attempted, weapon, location and victim age;
        // enumerate every combination a record of that code can carry.
        for code in CODES {
            let needs_age = code
                .map
                .iter()
                .any(|m| matches!(m.cond, Cond::VictimAgeBelow(_) | Cond::VictimAgeAtLeast(_)));
            let ages: Vec<Option<i32>> = if needs_age {
                (0..100).map(Some).collect()
            } else {
                vec![None, Some(30)]
            };
            for attempted in [false, true] {
                for weapon in 1..=6 {
                    for location in 1..=8 {
                        for age in &ages {
                            let record = facts(attempted, weapon, location, *age);
                            let n = code.map.iter().filter(|m| m.cond.holds(&record)).count();
                            assert_eq!(n, 1, "{} {:?}", code.code, record);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn worked_examples_of_conditional_rows() {
        let murder = &CODES[index_of("PC-111").expect("murder")];
        assert_eq!(murder.iccs_for(&facts(false, 1, 2, Some(30))), Some("0101"));
        assert_eq!(murder.iccs_for(&facts(true, 1, 2, Some(30))), Some("0102"));
        let rape = &CODES[index_of("PC-161").expect("rape")];
        assert_eq!(rape.iccs_for(&facts(false, 5, 1, Some(15))), Some("030113"));
        assert_eq!(rape.iccs_for(&facts(false, 5, 1, Some(16))), Some("030111"));
        // A missing victim age satisfies neither clause: the record is unmapped.
        assert_eq!(rape.iccs_for(&facts(false, 5, 1, None)), None);
        let damage = &CODES[index_of("PC-241").expect("damage")];
        assert_eq!(damage.iccs_for(&facts(false, 5, 4, None)), Some("05041"));
        assert_eq!(
            Cond::Location(&[3, 4, 5]).render(),
            "location_type in 3|4|5"
        );
        assert_eq!(Cond::VictimAgeBelow(16).render(), "victim_age<16");
        assert_eq!(Cond::Attempted(true).render(), "attempted=true");
    }

    #[test]
    fn shares_match_published_structure_roughly() {
        // Police-recorded crime in Europe is dominated by theft and burglary, with
        // violence next and homicide a fraction of a percent (West Yorkshire, July 2017,
        // in /work/shared/data: burglary 7.8 %, robbery 0.9 % of all recorded rows
        // including anti-social behaviour). Check the code list keeps that order.
        let total: f64 = CODES.iter().map(|c| c.share).sum();
        let share_of = |prefixes: &[&str]| {
            CODES
                .iter()
                .filter(|c| prefixes.iter().any(|p| c.code.starts_with(p)))
                .map(|c| c.share)
                .sum::<f64>()
                / total
        };
        let burglary = share_of(&["PC-20"]);
        let robbery = share_of(&["PC-18"]);
        let homicide = share_of(&["PC-111", "PC-112"]);
        assert!((0.06..0.11).contains(&burglary), "{burglary}");
        assert!((0.01..0.03).contains(&robbery), "{robbery}");
        assert!(homicide < 0.006, "{homicide}");
    }
}
