//! Benchmark: secondary suppression and audit of a synthetic release of about
//! one million cells (ICCS to level 3 × 300 districts in 20 regions × 12 months,
//! every total included). Run by `bench/disclosure/run.sh`.

use std::time::Instant;

use evident_disclosure::{Cell, Hierarchy, ReleaseBuilder, Rules, protect};
use evident_iccs::Level;

/// SplitMix64: a small deterministic generator, so the data is the same on every run.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Poisson by inversion for small means, normal approximation above 30.
    fn poisson(&mut self, mean: f64) -> u64 {
        if mean > 30.0 {
            let (u1, u2) = (self.uniform().max(1e-300), self.uniform());
            let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            return (mean + z * mean.sqrt()).round().max(0.0) as u64;
        }
        let mut k = 0;
        let mut p = (-mean).exp();
        let mut cumulative = p;
        let u = self.uniform();
        while u > cumulative && k < 1000 {
            k += 1;
            p *= mean / k as f64;
            cumulative += p;
        }
        k
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let offences_per_year: f64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_500_000.0);
    let districts_per_region: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(15);

    let offence = Hierarchy::iccs("offence", Level::Group);
    let mut area = Hierarchy::new("area");
    for r in 0..20 {
        let region = format!("R{r:02}");
        area.add(&region, "_T").unwrap();
        for d in 0..districts_per_region {
            area.add(&format!("{region}D{d:02}"), &region).unwrap();
        }
    }
    let mut period = Hierarchy::with_total("period", "2024");
    for m in 1..=12 {
        period.add(&format!("2024-{m:02}"), "2024").unwrap();
    }
    let leaves = |h: &Hierarchy| -> Vec<String> {
        h.codes()
            .filter(|c| h.children_of(c).is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (lo, la, lp) = (leaves(&offence), leaves(&area), leaves(&period));
    let codes = |h: &Hierarchy| -> Vec<String> { h.codes().map(str::to_owned).collect() };
    let (co, ca, cp) = (codes(&offence), codes(&area), codes(&period));
    let pos = |list: &[String], c: &str| list.iter().position(|x| x == c).unwrap();
    let chain = |h: &Hierarchy, list: &[String], c: &str| -> Vec<usize> {
        let mut out = vec![pos(list, c)];
        let mut cur = c.to_owned();
        while let Some(p) = h.parent_of(&cur) {
            out.push(pos(list, p));
            cur = p.to_owned();
        }
        out
    };
    let started = Instant::now();
    let mut draw = Draw(2024);
    // Offence frequencies fall off with rank (a few categories dominate); district
    // sizes vary by a factor of ten; months vary by ±20 %.
    let weight_o: Vec<f64> = (0..lo.len())
        .map(|i| 1.0 / ((1 + (i * 37) % lo.len()) as f64).powf(1.3))
        .collect();
    let weight_a: Vec<f64> = (0..la.len()).map(|_| 0.2 + 1.8 * draw.uniform()).collect();
    let weight_p: Vec<f64> = (0..12)
        .map(|m| 1.0 + 0.2 * ((m as f64) * 0.52).sin())
        .collect();
    let (so, sa, sp): (f64, f64, f64) = (
        weight_o.iter().sum(),
        weight_a.iter().sum(),
        weight_p.iter().sum(),
    );
    let (no, na, np) = (co.len(), ca.len(), cp.len());
    let mut counts = vec![0u64; no * na * np];
    let chains_o: Vec<Vec<usize>> = lo.iter().map(|c| chain(&offence, &co, c)).collect();
    let chains_a: Vec<Vec<usize>> = la.iter().map(|c| chain(&area, &ca, c)).collect();
    let chains_p: Vec<Vec<usize>> = lp.iter().map(|c| chain(&period, &cp, c)).collect();
    for (i, wo) in weight_o.iter().enumerate() {
        for (j, wa) in weight_a.iter().enumerate() {
            for (k, wp) in weight_p.iter().enumerate() {
                let mean = offences_per_year * wo / so * wa / sa * wp / sp;
                let n = draw.poisson(mean);
                if n == 0 {
                    continue;
                }
                for &a in &chains_o[i] {
                    for &b in &chains_a[j] {
                        for &c in &chains_p[k] {
                            counts[(a * na + b) * np + c] += n;
                        }
                    }
                }
            }
        }
    }
    let mut builder = ReleaseBuilder::new(vec![offence, area, period]).unwrap();
    for a in 0..no {
        // Sexual offences (section 03) identify victims.
        let sensitive = co[a].starts_with("03");
        for b in 0..na {
            for c in 0..np {
                let n = counts[(a * na + b) * np + c];
                let cell = Cell {
                    count: n,
                    contributors: n,
                    sensitive,
                };
                builder.add(&[&co[a], &ca[b], &cp[c]], cell).unwrap();
            }
        }
    }
    let generated = started.elapsed();
    let t = Instant::now();
    let release = builder.build().unwrap();
    let built = t.elapsed();
    let minimum_width = args
        .get(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(Rules::default().minimum_width);
    let rules = Rules {
        minimum_width,
        ..Rules::default()
    };
    println!(
        "rules                 threshold {}, minimum width {}",
        rules.threshold, rules.minimum_width
    );
    let t = Instant::now();
    let protection = protect(&release, &rules).unwrap();
    let protected = t.elapsed();
    let t = Instant::now();
    let independent =
        evident_disclosure::audit(&[protection.publication(&release)], &rules).unwrap();
    let audited = t.elapsed();
    let r = &protection.report;
    let a = &protection.audit;
    println!("cells                 {}", r.cells);
    println!("equations             {}", release.equation_count());
    println!("generate data         {:.2} s", generated.as_secs_f64());
    println!("build release         {:.2} s", built.as_secs_f64());
    println!("protect (+ audit)     {:.2} s", protected.as_secs_f64());
    println!(
        "primary               {} ({:.2} % of cells)",
        r.primary,
        100.0 * r.primary as f64 / r.cells as f64
    );
    println!("secondary             {}", r.secondary);
    println!("suppressed cells      {:.2} %", 100.0 * r.share_cells);
    println!("suppressed value      {:.3} %", 100.0 * r.share_value);
    println!("audit unknowns        {}", a.unknowns);
    println!(
        "audit components      {} (largest {})",
        a.components, a.largest_component
    );
    println!("audit exact unknowns  {}", a.exact);
    println!("audit verified cells  {}", a.verified);
    println!("audit rounds          {}", r.rounds);
    println!("audit passed          {}", a.passed());
    println!(
        "independent audit     {:.2} s, passed {}, verified {}, unproven {}",
        audited.as_secs_f64(),
        independent.passed(),
        independent.verified,
        independent.failures().count()
    );
    if std::env::var("BENCH_DETAIL").is_ok() {
        // Suppressed cells and value by level (offence, area, period depth).
        let mut table: std::collections::BTreeMap<Vec<u32>, (usize, usize, u128, u128)> =
            Default::default();
        for c in 0..release.len() {
            let codes = release.codes(c);
            let key: Vec<u32> = release
                .dimensions()
                .iter()
                .zip(&codes)
                .map(|(h, code)| h.level_of(code).unwrap_or(0))
                .collect();
            let e = table.entry(key).or_default();
            e.0 += 1;
            e.3 += release.cell(c).count as u128;
            if !protection.is_published(c) {
                e.1 += 1;
                e.2 += release.cell(c).count as u128;
            }
        }
        for (k, (n, s, sv, tv)) in table {
            println!(
                "level {k:?}: {s}/{n} cells suppressed, value {:.1} %",
                100.0 * sv as f64 / tv.max(1) as f64
            );
        }
    }
}
