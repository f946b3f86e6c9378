use super::*;

fn fixture() -> serde_json::Value {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/student_t.json"
    ));
    serde_json::from_str(text).expect("tests/fixtures/student_t.json parses")
}

#[test]
fn critical_values_match_the_quadrature_reference() {
    let fx = fixture();
    let rows = fx["critical"].as_array().unwrap();
    assert_eq!(rows.len(), 48);
    for r in rows {
        let (level, df, want) = (
            r["level"].as_f64().unwrap(),
            r["df"].as_u64().unwrap() as usize,
            r["t"].as_f64().unwrap(),
        );
        let got = t_critical(level, df).unwrap();
        assert!(
            (got - want).abs() < 1e-9 * want,
            "level {level} df {df}: {got} vs {want}"
        );
    }
}

#[test]
fn cdf_matches_the_quadrature_reference() {
    let fx = fixture();
    for r in fx["cdf"].as_array().unwrap() {
        let (t, df, want) = (
            r["t"].as_f64().unwrap(),
            r["df"].as_f64().unwrap(),
            r["p"].as_f64().unwrap(),
        );
        let got = student_t_cdf(t, df);
        assert!((got - want).abs() < 1e-11, "t {t} df {df}: {got} vs {want}");
    }
}

#[test]
fn critical_values_match_published_tables() {
    // NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2 (upper 0.025 and
    // 0.005 points), three decimals.
    let table = [
        (1, 12.706, 63.657),
        (2, 4.303, 9.925),
        (3, 3.182, 5.841),
        (4, 2.776, 4.604),
        (5, 2.571, 4.032),
        (10, 2.228, 3.169),
        (30, 2.042, 2.750),
        (100, 1.984, 2.626),
    ];
    for (df, t95, t99) in table {
        assert!(
            (t_critical(0.95, df).unwrap() - t95).abs() < 5e-4,
            "df {df}"
        );
        assert!(
            (t_critical(0.99, df).unwrap() - t99).abs() < 5e-4,
            "df {df}"
        );
    }
}

#[test]
fn closed_forms_at_one_and_two_degrees_of_freedom() {
    // df 1 is the Cauchy distribution: F(t) = 1/2 + atan(t)/π.
    // df 2: F(t) = 1/2 + t / (2√(2 + t²)).
    for t in [-30.0, -3.0, -0.4, 0.0, 0.9, 5.0, 200.0] {
        let cauchy = 0.5 + f64::atan(t) / std::f64::consts::PI;
        assert!((student_t_cdf(t, 1.0) - cauchy).abs() < 1e-13, "t {t}");
        let two = 0.5 + t / (2.0 * (2.0 + t * t).sqrt());
        assert!((student_t_cdf(t, 2.0) - two).abs() < 1e-13, "t {t}");
    }
    // Inverting the df 2 closed form at p = 0.975: t = (2p − 1)·√(2/(4p(1 − p))).
    let p: f64 = 0.975;
    let alpha = 4.0 * p * (1.0 - p);
    let t2 = 2.0 * (p - 0.5) * (2.0 / alpha).sqrt();
    assert!((t_critical(0.95, 2).unwrap() - t2).abs() < 1e-12);
    assert_eq!(student_t_cdf(f64::INFINITY, 3.0), 1.0);
    assert_eq!(student_t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
    assert!(student_t_cdf(f64::NAN, 3.0).is_nan());
}

#[test]
fn large_df_approaches_the_normal() {
    // The normal's 97.5% point is 1.959964; at df 10⁶ the t point is within 1e-5 of it.
    let t = t_critical(0.95, 1_000_000).unwrap();
    assert!((t - 1.959_964).abs() < 1e-5, "{t}");
}

#[test]
fn paired_test_by_hand() {
    // Differences 1, 2, 3: mean 2, sd 1, se 1/√3, t = 2√3 = 3.4641 at df 2; the 95%
    // critical value 4.3027 is larger, so the interval 2 ± 4.3027/√3 contains 0.
    let a = [11.0, 12.0, 13.0];
    let b = [10.0, 10.0, 10.0];
    let p = paired(&a, &b, 0.95).unwrap();
    assert_eq!((p.n, p.df), (3, 2));
    assert!((p.mean_diff - 2.0).abs() < 1e-15);
    assert!((p.sd_diff - 1.0).abs() < 1e-15);
    assert!((p.t - 2.0 * 3f64.sqrt()).abs() < 1e-12);
    let half = 4.302_652_729_749_464 / 3f64.sqrt();
    assert!((p.ci.0 - (2.0 - half)).abs() < 1e-9 && (p.ci.1 - (2.0 + half)).abs() < 1e-9);
    assert!(!p.beyond_noise());
    assert_eq!(p.verdict(), "no");
    // Two-sided p from the df 2 closed form: p = 1 − t/√(2 + t²).
    let t = p.t;
    assert!((p.p_value - (1.0 - t / (2.0 + t * t).sqrt())).abs() < 1e-12);
    // The same differences on 6 pairs: t = 2/(sd/√6) with sd 0.8944: beyond the noise.
    let p6 = paired(&[11., 12., 13., 11., 12., 13.], &[10.; 6], 0.95).unwrap();
    assert!(p6.beyond_noise() && p6.ci.0 > 0.0);
    // Swapping the sides flips the sign, not the verdict.
    let q = paired(&b, &a, 0.95).unwrap();
    assert_eq!((q.mean_diff, q.t, q.ci.0), (-p.mean_diff, -p.t, -p.ci.1));
}

#[test]
fn pairing_removes_the_shared_seed_effect() {
    // Seeds move both recipes together by ±0.02; a is better by exactly 0.004 ± 0.0005.
    // Unpaired, the seed spread hides the difference; paired, it is plain.
    let seed_effect = [0.02, -0.02, 0.01, -0.01, 0.0];
    let jitter = [0.0005, -0.0005, 0.0, 0.0003, -0.0003];
    let b: Vec<f64> = seed_effect.iter().map(|s| 0.85 + s).collect();
    let a: Vec<f64> = b.iter().zip(jitter).map(|(x, j)| x + 0.004 + j).collect();
    let p = paired(&a, &b, 0.95).unwrap();
    assert!(p.beyond_noise(), "{p:?}");
    let (ca, cb) = (mean_ci(&a, 0.95).unwrap(), mean_ci(&b, 0.95).unwrap());
    assert!(
        ca.mean - ca.half_width < cb.mean + cb.half_width,
        "unpaired CIs overlap"
    );
}

#[test]
fn equal_differences_give_an_infinite_t_and_identical_runs_no_difference() {
    let p = paired(&[2.0, 3.0], &[1.0, 2.0], 0.95).unwrap();
    assert_eq!(p.t, f64::INFINITY);
    assert_eq!(p.ci, (1.0, 1.0));
    assert!(p.beyond_noise());
    assert_eq!(p.p_value, 0.0);
    let same = paired(&[0.5, 0.6], &[0.5, 0.6], 0.95).unwrap();
    assert_eq!((same.t, same.p_value), (0.0, 1.0));
    assert!(!same.beyond_noise());
}

#[test]
fn mean_ci_by_hand() {
    // 1, 2, 3, 4, 5: mean 3, sd √2.5, half-width 2.7764·√2.5/√5 = 2.7764/√2.
    let m = mean_ci(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.95).unwrap();
    assert_eq!((m.n, m.mean), (5, 3.0));
    assert!((m.sd - 2.5f64.sqrt()).abs() < 1e-15);
    assert!((m.half_width - 2.776_445_105_197_8 / 2f64.sqrt()).abs() < 1e-9);
}

#[test]
fn bad_input_is_an_error_that_says_what_to_do() {
    let msg = |r: Result<Paired>| r.unwrap_err().to_string();
    assert!(msg(paired(&[1.0], &[2.0], 0.95)).contains("at least 2 seeds"));
    assert!(msg(paired(&[1.0, 2.0], &[2.0], 0.95)).contains("one value per shared seed"));
    assert!(msg(paired(&[1.0, f64::NAN], &[2.0, 1.0], 0.95)).contains("diverged"));
    assert!(msg(paired(&[1.0, 2.0], &[2.0, 1.0], 1.0)).contains("strictly between 0 and 1"));
    assert!(mean_ci(&[], 0.95).is_err());
    assert!(t_critical(f64::NAN, 3).is_err());
    assert!(t_critical(0.95, 0).is_err());
}

#[test]
fn paired_cells_show_the_difference_its_interval_t_and_verdict() {
    // Differences 0.01, 0.02, 0.03: mean 0.02, sd 0.01, t = 0.02/(0.01/√3) = 3.46 at df 2,
    // below the critical 4.30: the interval reaches below 0.
    let p = paired(&[0.81, 0.82, 0.83], &[0.80, 0.80, 0.80], 0.95).unwrap();
    let cells: Vec<String> = paired_cells(&p).iter().map(Cell::render).collect();
    assert_eq!(cells, ["0.020", "-0.0048 to 0.045", "3.46", "no"]);
    assert_eq!(paired_t_column(3), "paired t (df 2)");
    assert!(seeds_caption(3).starts_with("3 seeds") && seeds_caption(3).contains("(df 2)"));
    assert!(seeds_caption(1).starts_with("1 seed: no interval"));
}

/// `spread` gives the t interval only where one exists: two or more finite values.
#[test]
fn spread_needs_two_finite_values() {
    let m = spread(&[1.0, 2.0, 3.0]).unwrap();
    let (lo, hi) = m.interval();
    assert!((m.mean - 2.0).abs() < 1e-15 && (hi - lo - 2.0 * m.half_width).abs() < 1e-12);
    // t(0.975, 2) · 1/√3 = 4.302652… · 0.577350…
    assert!((m.half_width - 4.302652729749464 / 3f64.sqrt()).abs() < 1e-9);
    assert_eq!(m.text(), "2.00 ± 2.5");
    assert!(spread(&[1.0]).is_none());
    assert!(spread(&[1.0, f64::INFINITY]).is_none());
}
