//! Early warning on the synthetic country: does `evident trends --since 2023-07`
//! find the injected emerging threat, in the right place and month, and how many
//! other series does it flag? Run through `bench/early-warning/run.sh`.
//!
//! Usage: `cargo run --release -p evident-stats --example early_warning_country -- DIR [since yyyy-mm] [direction]`
//! where DIR holds a country written by `evident_synthetic::generate` and
//! direction is `increase` (default), `decrease` or `both`.

#[path = "../tests/country/mod.rs"]
mod country;

use std::collections::{BTreeMap, HashSet};
use std::time::Instant;

use country::{
    AreaLevel, Country, SeriesKey, build_series, build_series_as_of, load, month_label,
    true_delay_distribution,
};
use evident_stats::nowcast::{NowcastConfig, SeriesDelays, nowcast_by_group};
use evident_stats::trends::{
    Direction, EarlyWarningConfig, EarlyWarningReport, SeriesOutcome, early_warning,
    early_warning_nowcast,
};

/// Why a flagged series is (or is not) a real change injected by the generator.
fn reason(key: &SeriesKey, c: &Country, rise: bool) -> &'static str {
    let threat = &c.truth["effects"]["emerging_threat"];
    let code = threat["iccs_code"].as_str().unwrap_or("050213");
    let region = threat["region"].as_str().unwrap_or("01");
    let in_region = key.area_level == AreaLevel::National || key.area.starts_with(region);
    if code.starts_with(&key.iccs) && in_region {
        return if rise {
            "emerging threat (true)"
        } else {
            "emerging threat, flagged as a fall (false)"
        };
    }
    let programme = &c.truth["effects"]["programme"];
    let burglary = programme["iccs_code"].as_str().unwrap_or("0501");
    let treated: HashSet<&str> = programme["treated_districts"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let touches = match key.area_level {
        AreaLevel::National => true,
        AreaLevel::Region => treated.iter().any(|d| d.starts_with(&key.area)),
        AreaLevel::District => treated.contains(key.area.as_str()),
    };
    if (key.iccs.starts_with(burglary) || burglary.starts_with(&key.iccs)) && touches {
        return if rise {
            "programme area, flagged as a rise (false)"
        } else {
            "programme's burglary fall (true)"
        };
    }
    "no injected change (false alarm)"
}

fn summarise(
    name: &str,
    report: &EarlyWarningReport,
    keys: &[SeriesKey],
    c: &Country,
    seconds: f64,
) -> BTreeMap<&'static str, usize> {
    let assessed = report
        .series
        .iter()
        .filter(|o| matches!(o, SeriesOutcome::Assessed(_)))
        .count();
    let _ = seconds;
    println!(
        "### {name}: {assessed} of {} series assessed, {} flagged",
        keys.len(),
        report.flagged.len()
    );
    let mut by_reason: BTreeMap<&'static str, usize> = BTreeMap::new();
    for &i in &report.flagged {
        let SeriesOutcome::Assessed(w) = &report.series[i] else {
            continue;
        };
        let rise = w.recent_ratio >= 1.0;
        let why = reason(&keys[i], c, rise);
        *by_reason.entry(why).or_default() += 1;
        let shift = w.shift.map_or("-".to_string(), |s| {
            format!(
                "start {} ×{:.2} [{:.2}, {:.2}] p {:.1e}",
                month_label(c, s.start),
                s.ratio,
                s.ratio_lower,
                s.ratio_upper,
                s.p_value
            )
        });
        let area = if keys[i].area.is_empty() {
            "national".to_string()
        } else {
            keys[i].area.clone()
        };
        println!(
            "  {:<7} {:<9} scored obs/exp {:>7.0}/{:>7.0} (×{:.2}) alarm p {:.1e}, shift {shift}; q {:.1e}: {why}",
            keys[i].iccs,
            area,
            w.recent_excess + sum_expected(w),
            sum_expected(w),
            w.recent_ratio,
            w.alarm_p,
            w.q_value
        );
    }
    for (k, v) in &by_reason {
        println!("  {v:>4}  {k}");
    }
    by_reason
}

fn sum_expected(w: &evident_stats::trends::SeriesWarning) -> f64 {
    w.recent.iter().map(|p| p.expected).sum()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(
        args.next()
            .ok_or("usage: early_warning_country DIR [since] [direction]")?,
    );
    let since = args.next().unwrap_or_else(|| "2023-07".to_string());
    let direction = match args.next().as_deref() {
        None | Some("increase") => Direction::Increase,
        Some("decrease") => Direction::Decrease,
        Some("both") => Direction::Both,
        Some(other) => return Err(format!("unknown direction {other}").into()),
    };
    let t = Instant::now();
    let c = load(&dir)?;
    println!(
        "loaded {} clean offences ({} dirty rows skipped) in {:.1} s",
        c.records.len(),
        c.skipped,
        t.elapsed().as_secs_f64()
    );
    let since_year: i32 = since[..4].parse()?;
    let since_month: usize = since[5..7].parse()?;
    let since_index = ((since_year - c.start_year) * 12) as usize + since_month - 1;
    let t = Instant::now();
    let max_delay = 12;
    let set = build_series(
        &c,
        &[4, 5, 6],
        &[AreaLevel::National, AreaLevel::Region, AreaLevel::District],
        max_delay,
        1.0,
    );
    println!(
        "built {} series (ICCS levels 2–4 × national, 20 regions, 300 districts) in {:.1} s",
        set.keys.len(),
        t.elapsed().as_secs_f64()
    );
    let mut config = EarlyWarningConfig::monthly();
    config.recent = c.months - since_index;
    config.direction = direction;
    // Candidate starts of a level shift: from `--since` on, and at least the last two years.
    config.shift_window = config.shift_window.max(config.recent);
    println!(
        "scoring {} months from {since}, direction {direction:?}, shift window {} months, FDR {} within each family",
        config.recent, config.shift_window, config.fdr
    );
    // One family per ICCS level × area level, as `evident trends --level L
    // --area-level A` runs them: Benjamini–Hochberg within the family.
    let nc = NowcastConfig {
        max_delay,
        window: Some(36),
        level: 0.95,
    };
    let mut totals: BTreeMap<(&str, &'static str), usize> = BTreeMap::new();
    let mut seconds: BTreeMap<&str, f64> = BTreeMap::new();
    let mut occ_reports: Vec<(Vec<usize>, EarlyWarningReport)> = Vec::new();
    for len in [4usize, 5, 6] {
        for level in [AreaLevel::National, AreaLevel::Region, AreaLevel::District] {
            let members: Vec<usize> = (0..set.keys.len())
                .filter(|&i| set.keys[i].iccs.len() == len && set.keys[i].area_level == level)
                .collect();
            let keys: Vec<SeriesKey> = members.iter().map(|&i| set.keys[i].clone()).collect();
            let family = format!("ICCS level {} × {level:?}", len - 2);
            // 1. By recording month: complete counts, no nowcast needed.
            let rec: Vec<Vec<f64>> = members
                .iter()
                .map(|&i| set.by_recording[i].clone())
                .collect();
            let t = Instant::now();
            let r1 = early_warning(&rec, &config)?;
            *seconds.entry("by recording month").or_default() += t.elapsed().as_secs_f64();
            // 2. By occurrence month, nowcast-corrected: one delay distribution
            //    per ICCS category (the family's areas pooled).
            let tri: Vec<Vec<Vec<f64>>> =
                members.iter().map(|&i| set.triangles[i].clone()).collect();
            let mut group_of: BTreeMap<String, usize> = BTreeMap::new();
            let groups: Vec<usize> = keys
                .iter()
                .map(|k| {
                    let n = group_of.len();
                    *group_of.entry(k.iccs.clone()).or_insert(n)
                })
                .collect();
            let t = Instant::now();
            let r2 = early_warning_nowcast(&tri, &groups, &config, &nc)?.warning;
            *seconds.entry("by occurrence, nowcast").or_default() += t.elapsed().as_secs_f64();
            // 3. By occurrence month as recorded so far, without the nowcast.
            let raw: Vec<Vec<f64>> = tri
                .iter()
                .map(|tr| tr.iter().map(|r| r.iter().sum()).collect())
                .collect();
            let t = Instant::now();
            let r3 = early_warning(&raw, &config)?;
            *seconds.entry("by occurrence, no nowcast").or_default() += t.elapsed().as_secs_f64();
            println!("\n## {family}: {} series", keys.len());
            for (name, r) in [
                ("by recording month", &r1),
                ("by occurrence, nowcast", &r2),
                ("by occurrence, no nowcast", &r3),
            ] {
                for (why, n) in summarise(name, r, &keys, &c, 0.0) {
                    *totals.entry((name, why)).or_default() += n;
                }
            }
            occ_reports.push((members, r2));
        }
    }
    println!(
        "\n## totals over the nine families ({} series each analysis)",
        set.keys.len()
    );
    for ((name, why), n) in &totals {
        println!("  {name:<28} {n:>5}  {why}");
    }
    for (name, s) in &seconds {
        println!("  {name:<28} {s:.2} s for all {} series", set.keys.len());
    }
    // The threat's own series, whether flagged or not.
    println!("\n## the emerging threat's series (by occurrence, nowcast-corrected)");
    for (members, report) in &occ_reports {
        for (j, &i) in members.iter().enumerate() {
            let k = &set.keys[i];
            let in_capital = k.area_level == AreaLevel::National || k.area.starts_with("01");
            if !(in_capital && "050213".starts_with(&k.iccs)) {
                continue;
            }
            if let SeriesOutcome::Assessed(w) = &report.series[j] {
                println!(
                    "  {:<7} {:<9} flagged {:<5} q {:.1e} alarm p {:.1e} scored {:.0}/{:.0} ×{:.2} shift {}",
                    k.iccs,
                    if k.area.is_empty() {
                        "national"
                    } else {
                        &k.area
                    },
                    w.flagged,
                    w.q_value,
                    w.alarm_p,
                    w.recent_excess + sum_expected(w),
                    sum_expected(w),
                    w.recent_ratio,
                    w.shift.map_or("-".into(), |s| format!(
                        "start {} ×{:.2} [{:.2}, {:.2}] p {:.1e}",
                        month_label(&c, s.start),
                        s.ratio,
                        s.ratio_lower,
                        s.ratio_upper,
                        s.p_value
                    ))
                );
            }
        }
    }
    // Nowcast checks. (a) The pooled delay distributions against the ones implied
    // by the generator's lag model.
    println!("\n## recording delay by month, estimated (national series) vs generator");
    for (code, family) in [
        ("0501", "burglary"),
        ("050213", "vehicle"),
        ("0301", "sexual"),
        ("0502", "theft"),
    ] {
        let Some(i) = set
            .keys
            .iter()
            .position(|k| k.iccs == code && k.area_level == AreaLevel::National)
        else {
            continue;
        };
        let g = nowcast_by_group(std::slice::from_ref(&set.triangles[i]), &[0], &nc)?;
        let est = &g.groups[0].delay_distribution;
        let truth =
            true_delay_distribution(&c.truth["families"][family]["recording_lag"], max_delay);
        let show = |v: &[f64]| {
            [0, 1, 2, 3, max_delay]
                .iter()
                .map(|&d| format!("{:.4}", v.get(d).copied().unwrap_or(0.0)))
                .collect::<Vec<_>>()
                .join(" ")
        };
        println!(
            "  {code:<7} ({family:<8}) delays 0 1 2 3 {max_delay}+: estimated {} | generator {}",
            show(est),
            show(&truth)
        );
    }
    // (b) Back-test: the extract as it stood at the end of January 2024; the
    // last three occurrence months nowcast and compared with what the real
    // extraction a year later holds.
    let then = build_series_as_of(
        &c,
        &[4, 5],
        &[AreaLevel::National, AreaLevel::Region, AreaLevel::District],
        max_delay,
        20.0,
        60,
        60,
    );
    let mut group_of: BTreeMap<(String, AreaLevel), usize> = BTreeMap::new();
    let groups: Vec<usize> = then
        .keys
        .iter()
        .map(|k| {
            let n = group_of.len();
            *group_of.entry((k.iccs.clone(), k.area_level)).or_insert(n)
        })
        .collect();
    let grouped = nowcast_by_group(&then.triangles, &groups, &nc)?;
    let (mut covered, mut total) = (0usize, 0usize);
    let (mut bias_now, mut bias_naive, mut later_total) = (0.0, 0.0, 0.0);
    for (k, d) in then.keys.iter().zip(&grouped.series) {
        let (SeriesDelays::Nowcast { periods }, Some(j)) =
            (d, set.keys.iter().position(|x| x == k))
        else {
            continue;
        };
        let later: Vec<f64> = set.triangles[j].iter().map(|r| r.iter().sum()).collect();
        for t in 57..60 {
            let p = periods[t];
            total += 1;
            covered += usize::from(p.lower <= later[t] && later[t] <= p.upper);
            bias_now += p.estimate - later[t];
            bias_naive += p.reported - later[t];
            later_total += later[t];
        }
    }
    println!(
        "\n## nowcast back-test (extract of 2024-01, occurrence months 2023-10..12, {} series of ICCS levels 2–3 with ≥ 20 offences): 95 % intervals cover {:.1} % of {total}; total bias {:+.2} % (nowcast) vs {:+.2} % (recorded so far)",
        then.keys.len(),
        100.0 * covered as f64 / total.max(1) as f64,
        100.0 * bias_now / later_total,
        100.0 * bias_naive / later_total
    );

    // The programme's burglary series in the treated districts.
    let treated: HashSet<String> = c.truth["effects"]["programme"]["treated_districts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let mut ratios = Vec::new();
    let (mut n, mut below05, mut flagged) = (0, 0, 0);
    for (members, report) in &occ_reports {
        for (j, &i) in members.iter().enumerate() {
            let k = &set.keys[i];
            if k.iccs != "0501" || !treated.contains(&k.area) {
                continue;
            }
            if let SeriesOutcome::Assessed(w) = &report.series[j] {
                n += 1;
                flagged += usize::from(w.flagged);
                if let Some(s) = w.shift {
                    ratios.push(s.ratio);
                    below05 += usize::from(s.p_value <= 0.05);
                }
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "\n## the programme's burglary (0501) in its {n} treated districts, by occurrence: {flagged} flagged, {below05} with a shift p ≤ 0.05, median shift ratio {:.2}",
        ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
