//! The fictional Republic of Valmora: 20 regions, 300 districts, their
//! population by year, sex and age group, and the prisons.
//!
//! The geography is the same for every seed (it is drawn from a fixed
//! internal seed) so that documentation and tests can name places; the seed
//! only drives the records. Valmora is bilingual: regions in the west have
//! French names, those in the east German ones, which is why the area
//! register needs accented letters (and a Windows-1252 file can carry them).

use crate::date::Day;
use crate::rng::Rng;

/// Seed of the geography; not the user's seed.
const COUNTRY_SEED: u64 = 0x56A1_404A;

/// Number of regions.
pub(crate) const REGIONS: usize = 20;
/// Number of districts.
pub(crate) const DISTRICTS: usize = 300;

/// The ISO-style code of Valmora in nationality fields.
pub(crate) const NATIONAL: &str = "VLM";

/// Age groups of the population table, as the ICCS AV/AP bands.
pub(crate) const AGE_GROUPS: [&str; 5] = ["0-14", "15-29", "30-44", "45-59", "60+"];

#[derive(Debug, Clone)]
pub(crate) struct Region {
    pub code: String,
    pub name: &'static str,
    pub french: bool,
    /// Name of the regional police force (`Dienststelle` in police files).
    pub police: String,
}

#[derive(Debug, Clone)]
pub(crate) struct District {
    pub code: String,
    pub name: String,
    pub region: usize,
    /// Residents at the start of the first year.
    pub base_population: f64,
    /// Yearly population growth.
    pub growth: f64,
    /// Shares of the five age groups.
    pub age_shares: [f64; 5],
    /// Relative crime level per resident (area differences).
    pub crime_factor: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Facility {
    pub id: &'static str,
    pub name: &'static str,
    /// Region (index) where the facility stands.
    pub region: usize,
    /// Regions whose prisoners it holds.
    pub serves: Vec<usize>,
    /// Target occupancy used to set its capacity from the simulated stock
    /// (above 1 means overcrowded).
    pub occupancy: f64,
}

#[derive(Debug, Clone)]
pub(crate) struct Country {
    pub regions: Vec<Region>,
    pub districts: Vec<District>,
    pub facilities: Vec<Facility>,
    /// Facility index for each region.
    pub facility_of_region: Vec<usize>,
    pub start_year: i32,
}

#[rustfmt::skip]
const REGION_NAMES: [(&str, bool); REGIONS] = [
    ("Valmora-Capitale", true), ("Val-d'Émeraude", true), ("Hochwald", false), ("Côte-Sauvage", true),
    ("Lindenau", false), ("Pré-aux-Cerfs", true), ("Sonnenberg", false), ("Haute-Rivière", true),
    ("Grünmatt", false), ("Belle-Épine", true), ("Auental", false), ("Mont-Cœur", true),
    ("Steinfeld", false), ("Les Quatre-Vents", true), ("Rosenthal", false), ("Bois-Joli", true),
    ("Weißenbach", false), ("Plaine-de-l'Aube", true), ("Falkenried", false), ("Vallée-des-Saules", true),
];

/// Districts per region; sums to 300.
const DISTRICTS_PER_REGION: [usize; REGIONS] = [
    24, 16, 14, 18, 12, 15, 13, 17, 11, 16, 14, 15, 12, 19, 13, 14, 12, 15, 15, 15,
];

const FRENCH_FIRST: [&str; 24] = [
    "Saint-Jean",
    "Sainte-Anne",
    "Notre-Dame",
    "Val",
    "Mont",
    "Pont",
    "Bois",
    "Champ",
    "Fontaine",
    "Roche",
    "Villeneuve",
    "Clairvaux",
    "Beaulieu",
    "Bellerive",
    "Hautecombe",
    "Vieux-Marché",
    "Neuville",
    "Grandpré",
    "Petit-Bourg",
    "Port",
    "Saint-Rémy",
    "Sainte-Hélène",
    "Courcelles",
    "Montéglise",
];
const FRENCH_SECOND: [&str; 16] = [
    "-du-Lac",
    "-sur-Orne",
    "-les-Prés",
    "-la-Forêt",
    "-lès-Bains",
    "-des-Neiges",
    "-en-Vallée",
    "-le-Château",
    "-aux-Bœufs",
    "-d'Aval",
    "-d'Amont",
    "-sous-Bois",
    "-de-Bréval",
    "-la-Côte",
    "-sur-Mer",
    "",
];
const GERMAN_FIRST: [&str; 20] = [
    "Ober", "Unter", "Neu", "Alt", "Groß", "Klein", "Bad ", "Sankt ", "Hohen", "Nieder", "Mittel",
    "Roth", "Weiß", "Schön", "Kirch", "Linden", "Eichen", "Buch", "Tann", "Wolfs",
];
const GERMAN_SECOND: [&str; 16] = [
    "dorf", "bach", "berg", "feld", "hausen", "münster", "brück", "au", "wald", "stein", "heim",
    "ried", "tal", "hofen", "lingen", "egg",
];

#[rustfmt::skip]
const FACILITIES: [(&str, &str, usize, &[usize], f64); 12] = [
    ("A01", "Maison d'arrêt de Valmora", 0, &[0], 1.18),
    ("A02", "Centre pénitentiaire du Val-d'Émeraude", 1, &[1, 5], 0.92),
    ("A03", "Justizvollzugsanstalt Hochwald", 2, &[2, 4], 0.88),
    ("A04", "Maison centrale de Côte-Sauvage", 3, &[3, 13], 1.05),
    ("A05", "Justizvollzugsanstalt Sonnenberg", 6, &[6, 8], 0.95),
    ("A06", "Centre de détention de Haute-Rivière", 7, &[7, 9], 1.10),
    ("A07", "Justizvollzugsanstalt Auental", 10, &[10, 12], 0.90),
    ("A08", "Maison d'arrêt de Mont-Cœur", 11, &[11, 15], 1.25),
    ("A09", "Justizvollzugsanstalt Rosenthal", 14, &[14], 0.85),
    ("A10", "Justizvollzugsanstalt Weißenbach-Süd", 16, &[16, 18], 0.97),
    ("A11", "Centre pénitentiaire de Plaine-de-l'Aube", 17, &[17, 19], 1.02),
    ("A12", "Frauengefängnis Grünmatt", 8, &[], 0.80),
];

/// The facility that holds all women (the women's prison), whatever the region.
pub(crate) const WOMENS_FACILITY: usize = 11;

impl Country {
    pub(crate) fn new(start_year: i32, population: u64) -> Country {
        let mut rng = Rng::stream(COUNTRY_SEED, &[1]);
        let regions: Vec<Region> = REGION_NAMES
            .iter()
            .enumerate()
            .map(|(i, (name, french))| Region {
                code: format!("{:02}", i + 1),
                name,
                french: *french,
                police: if *french {
                    format!("Police {name}")
                } else {
                    format!("Polizei {name}")
                },
            })
            .collect();

        let mut names = std::collections::HashSet::new();
        let mut districts = Vec::with_capacity(DISTRICTS);
        for (r, region) in regions.iter().enumerate() {
            for k in 0..DISTRICTS_PER_REGION[r] {
                let name = if r == 0 {
                    // The capital is divided into numbered arrondissements and suburbs.
                    if k == 0 {
                        "Valmora 1er arrondissement".to_string()
                    } else if k < 12 {
                        format!("Valmora {}e arrondissement", k + 1)
                    } else {
                        district_name(&mut rng, true, &mut names)
                    }
                } else if r == 3 && k == 0 {
                    "Sainte-Anne-du-Lac".to_string()
                } else {
                    district_name(&mut rng, region.french, &mut names)
                };
                names.insert(name.clone());
                let capital = r == 0;
                let size = rng.lognormal(if capital { 30_000.0 } else { 11_000.0 }, 0.6);
                let young = if capital { 0.03 } else { rng.normal() * 0.015 };
                let mut age_shares = [
                    0.15 - young / 3.0,
                    0.18 + young,
                    0.20 + young / 2.0,
                    0.21 - young / 3.0,
                    0.26 - young,
                ];
                let sum: f64 = age_shares.iter().sum();
                for s in &mut age_shares {
                    *s /= sum;
                }
                districts.push(District {
                    code: format!("{}{:03}", region.code, k + 1),
                    name,
                    region: r,
                    base_population: size,
                    growth: if capital {
                        0.009
                    } else {
                        0.002 + rng.normal() * 0.004
                    },
                    age_shares,
                    crime_factor: rng.lognormal(if capital { 1.3 } else { 1.0 }, 0.25),
                });
            }
        }
        let total: f64 = districts.iter().map(|d| d.base_population).sum();
        for d in &mut districts {
            d.base_population *= population as f64 / total;
        }

        let facilities: Vec<Facility> = FACILITIES
            .iter()
            .map(|(id, name, region, serves, occupancy)| Facility {
                id,
                name,
                region: *region,
                serves: serves.to_vec(),
                occupancy: *occupancy,
            })
            .collect();
        let mut facility_of_region = vec![0; REGIONS];
        for (f, facility) in facilities.iter().enumerate() {
            for r in &facility.serves {
                facility_of_region[*r] = f;
            }
        }
        Country {
            regions,
            districts,
            facilities,
            facility_of_region,
            start_year,
        }
    }

    /// Residents of a district in a year, by sex (0 male, 1 female) and age group,
    /// rounded to whole persons exactly as written in the population file.
    pub(crate) fn population(&self, district: usize, year: i32) -> [[u64; 5]; 2] {
        let d = &self.districts[district];
        let total = d.base_population * (1.0 + d.growth).powi(year - self.start_year);
        // More women among the old: the female share rises with age.
        const FEMALE: [f64; 5] = [0.487, 0.490, 0.497, 0.503, 0.555];
        let mut out = [[0u64; 5]; 2];
        for g in 0..5 {
            let people = total * d.age_shares[g];
            out[1][g] = (people * FEMALE[g]).round() as u64;
            out[0][g] = (people * (1.0 - FEMALE[g])).round() as u64;
        }
        out
    }

    pub(crate) fn district_total(&self, district: usize, year: i32) -> u64 {
        self.population(district, year).iter().flatten().sum()
    }

    pub(crate) fn national_total(&self, year: i32) -> u64 {
        (0..self.districts.len())
            .map(|d| self.district_total(d, year))
            .sum()
    }

    /// Districts of the crime-prevention programme: the first four districts
    /// of regions 03, 05, 08, 10, 12 and 15 and the capital's arrondissements 1–6
    /// (30 districts, a tenth of the country).
    pub(crate) fn programme_districts(&self) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, d) in self.districts.iter().enumerate() {
            let k: usize = d.code[2..].parse().unwrap_or(0);
            let treated = match d.region {
                0 => k <= 6,
                2 | 4 | 7 | 9 | 11 | 14 => k <= 4,
                _ => false,
            };
            if treated {
                out.push(i);
            }
        }
        out
    }

    /// The region of the emerging threat (index): the capital region (01),
    /// where a fifth of all offences are recorded.
    pub(crate) fn emerging_region(&self) -> usize {
        0
    }
}

fn district_name(
    rng: &mut Rng,
    french: bool,
    taken: &mut std::collections::HashSet<String>,
) -> String {
    loop {
        let name = if french {
            let a = FRENCH_FIRST[rng.below(FRENCH_FIRST.len() as u64) as usize];
            let b = FRENCH_SECOND[rng.below(FRENCH_SECOND.len() as u64) as usize];
            format!("{a}{b}")
        } else {
            let a = GERMAN_FIRST[rng.below(GERMAN_FIRST.len() as u64) as usize];
            let b = GERMAN_SECOND[rng.below(GERMAN_SECOND.len() as u64) as usize];
            let mut name = format!("{a}{b}");
            // "Bad au" → "Bad Au": a separate word starts with a capital.
            if let Some(pos) = name.find(' ') {
                let (head, tail) = name.split_at(pos + 1);
                let mut chars = tail.chars();
                if let Some(first) = chars.next() {
                    name = format!("{head}{}{}", first.to_uppercase(), chars.as_str());
                }
            }
            name
        };
        if !taken.contains(&name) {
            return name;
        }
    }
}

/// Given names (male, female) and surnames of the bilingual population.
#[rustfmt::skip]
pub(crate) const MALE_NAMES: [&str; 28] = [
    "Jean", "Pierre", "Luc", "Étienne", "Jérôme", "Franz", "Jürgen", "Lukas", "Matthias", "Noël", "Rémi", "André",
    "Stefan", "Tobias", "Benoît", "François", "Hans", "Michel", "Yannick", "Sébastien", "Thomas", "Nicolas",
    "Felix", "Jonas", "Loïc", "Mathéo", "Jörg", "Karl",
];
#[rustfmt::skip]
pub(crate) const FEMALE_NAMES: [&str; 28] = [
    "Marie", "Anne", "Claire", "Élodie", "Hélène", "Léa", "Chloé", "Zoë", "Anja", "Katrin", "Sophie", "Brigitte",
    "Céline", "Renée", "Monika", "Julia", "Lena", "Sabine", "Agnès", "Françoise", "Maëlle", "Inès", "Ursula",
    "Gisèle", "Laura", "Emma", "Jülide", "Solène",
];
#[rustfmt::skip]
pub(crate) const SURNAMES: [&str; 44] = [
    "Müller", "Schmid", "Lefèvre", "Dubois", "Martin", "Bernard", "Weber", "Fischer", "Meier", "Keller", "Girard",
    "Rousseau", "Lambert", "Fontaine", "Brunner", "Huber", "Wagner", "Becker", "Moreau", "Gauthier", "Schäfer",
    "Koch", "Roux", "Mercier", "Blanc", "Faure", "Zimmermann", "Krüger", "Hoffmann", "Châtelain", "Béguin",
    "Jäger", "Vogel", "Perrin", "Morel", "Lehmann", "Schwarz", "Petit", "Dupont", "Bonnet", "Nguyen", "Yılmaz",
    "Kowalski", "Haddad",
];

/// Foreign nationalities (ISO 3166-1 alpha-3) and their relative frequency.
pub(crate) const FOREIGN: [(&str, f64); 10] = [
    ("FRA", 0.18),
    ("DEU", 0.16),
    ("ITA", 0.10),
    ("POL", 0.09),
    ("ROU", 0.12),
    ("UKR", 0.09),
    ("SYR", 0.07),
    ("MAR", 0.07),
    ("BRA", 0.06),
    ("NGA", 0.06),
];

/// Dates of the period.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Period {
    pub start_year: i32,
    pub years: u32,
    /// First day of the period.
    pub start: Day,
    /// Last day of the period.
    pub end: Day,
    /// Date of the extraction of all files.
    pub extraction: Day,
}

impl Period {
    pub(crate) fn months(&self) -> i32 {
        self.years as i32 * 12
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_regions_three_hundred_unique_districts() {
        let country = Country::new(2019, 4_200_000);
        assert_eq!(country.regions.len(), 20);
        assert_eq!(country.districts.len(), 300);
        let names: std::collections::HashSet<_> =
            country.districts.iter().map(|d| &d.name).collect();
        assert_eq!(names.len(), 300);
        assert!(
            country
                .districts
                .iter()
                .any(|d| d.name == "Sainte-Anne-du-Lac")
        );
        assert_eq!(country.districts[0].code, "01001");
        assert_eq!(country.programme_districts().len(), 30);
        // Every region is served by exactly one facility.
        for r in 0..REGIONS {
            let serving = country
                .facilities
                .iter()
                .filter(|f| f.serves.contains(&r))
                .count();
            assert_eq!(serving, 1, "region {r}");
        }
    }

    #[test]
    fn population_sums_to_the_requested_total() {
        // Rounding each of 300 × 10 cells moves the total by at most 0.5 per cell.
        let country = Country::new(2019, 4_200_000);
        let total = country.national_total(2019) as f64;
        assert!((total - 4_200_000.0).abs() <= 1_500.0, "{total}");
    }
}
