//! Chapter 4's exercise solutions, shared by the `ch4_ex*` examples, the tests and the book:
//! one [`Exercise`] per exercise, its defaults in its flags.
use std::path::Path;

use super::ravine::ravine_comparison;
use super::sparse_features::{sparse_sweep, SparseProblem, SparseResult, SPARSE_LRS};
use crate::chapters::exercise::{Exercise, Solution};
use crate::chapters::Config;
use crate::optim::Rule;
use crate::report::{fmt_sig, Cell, Table};
use crate::{validate, Result};

/// Adam's uncorrected step on a constant gradient, in closed form `(1−β₁ᵗ)/√(1−β₂ᵗ)`: how
/// large is the first step, how large the largest, and when is it within 10% of the
/// corrected one?
#[derive(clap::Args, Clone, Debug)]
pub struct BiasCorrection {
    /// (β₁, β₂) pairs, written β₁:β₂ and comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        value_parser = parse_betas,
        default_value = "0.9:0.999,0.9:0.99,0.99:0.999",
        value_name = "B1:B2,..."
    )]
    pub betas: Vec<(f64, f64)>,
    /// Steps t scanned.
    #[arg(long, default_value_t = 10_000)]
    pub max_steps: usize,
}

fn parse_betas(s: &str) -> std::result::Result<(f64, f64), String> {
    let bad = || format!("{s:?}: write each pair as β₁:β₂, e.g. 0.9:0.999");
    let (b1, b2) = s.split_once(':').ok_or_else(bad)?;
    Ok((
        b1.trim().parse().map_err(|_| bad())?,
        b2.trim().parse().map_err(|_| bad())?,
    ))
}

impl Exercise for BiasCorrection {
    const NAME: &'static str = "ch4_ex1_bias_correction";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--betas", &self.betas)?;
        for &(b1, b2) in &self.betas {
            validate::unit_interval("--betas (β₁)", b1)?;
            validate::unit_interval("--betas (β₂)", b2)?;
        }
        validate::count_in("--max-steps", self.max_steps, validate::MAX_STEPS)?;
        Ok(Solution::tables(vec![ex1_bias_correction(
            &self.betas,
            self.max_steps,
        )?]))
    }
}

/// How the steps to ε of gradient descent, heavy ball and Nesterov grow with the
/// condition number κ on the ravine (theory: like κ, √κ and √κ).
#[derive(clap::Args, Clone, Debug)]
pub struct MomentumScaling {
    /// Condition numbers κ, comma-separated (each from 1 to 1e6).
    #[arg(long, value_delimiter = ',', default_value = "4,16,64,256,1024")]
    pub kappa: Vec<f64>,
}

impl Exercise for MomentumScaling {
    const NAME: &'static str = "ch4_ex2_momentum_scaling";

    fn solve(&self, _cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--kappa", &self.kappa)?;
        for &k in &self.kappa {
            if !(1.0..=1e6).contains(&k) {
                return Err(crate::Error::invalid(
                    "--kappa",
                    format!("got {k}, but a condition number here must lie in [1, 1e6]"),
                    "Pass condition numbers such as 4,16,64.",
                ));
            }
        }
        Ok(Solution::tables(vec![ex2_momentum_scaling(&self.kappa)?]))
    }
}

/// AdaGrad's advantage over SGD on the sparse problem as the rare features get rarer,
/// each optimizer at its best learning rate (the data drawn from `--seed`).
#[derive(clap::Args, Clone, Debug)]
pub struct Rarity {
    /// Activation probabilities of the rare features, comma-separated (each in (0, 1]).
    #[arg(long, value_delimiter = ',', default_value = "0.5,0.1,0.02,0.005")]
    pub rare_p: Vec<f64>,
}

impl Exercise for Rarity {
    const NAME: &'static str = "ch4_ex3_rarity";

    fn solve(&self, cfg: &Config, _figures: Option<&Path>) -> Result<Solution> {
        validate::list_len("--rare-p", &self.rare_p)?;
        for &p in &self.rare_p {
            if !(p > 0.0 && p <= 1.0) {
                return Err(crate::Error::invalid(
                    "--rare-p",
                    format!("got {p}, but a probability of activation must lie in (0, 1]"),
                    "Pass probabilities such as 0.5,0.1,0.02.",
                ));
            }
        }
        Ok(Solution::tables(vec![ex3_rarity(&self.rare_p, cfg.seed)?]))
    }
}

/// Exercise 1: the closed form scanned for `t` up to `max_steps`.
fn ex1_bias_correction(betas: &[(f64, f64)], max_steps: usize) -> Result<Table> {
    validate::at_least_one("steps", max_steps)?;
    let mut table = crate::table!(
        "ex1_bias_correction",
        "Adam without bias correction, on a constant gradient: the step relative to η",
        &[
            "β₁",
            "β₂",
            "step 1: (1−β₁)/√(1−β₂)",
            "largest step (at t)",
            "first t within 10% of 1 after it",
        ],
    );
    for &(b1, b2) in betas {
        let ratio = |t: usize| (1.0 - b1.powi(t as i32)) / (1.0 - b2.powi(t as i32)).sqrt();
        let (t_max, r_max) = (1..=max_steps)
            .map(|t| (t, ratio(t)))
            .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
        let settled = (1..=max_steps).find(|&t| t >= t_max && (ratio(t) - 1.0).abs() <= 0.1);
        table.push(vec![
            Cell::num(b1, 3),
            Cell::num(b2, 4),
            Cell::num(ratio(1), 4),
            Cell::Text(format!("{} (t = {t_max})", fmt_sig(r_max, 4))),
            settled.map_or(Cell::from("not within the scan"), Cell::from),
        ]);
    }
    Ok(table)
}

/// Exercise 2: steps to ε of the three methods at each κ.
fn ex2_momentum_scaling(kappas: &[f64]) -> Result<Table> {
    let mut table = crate::table!(
        "ex2_momentum_scaling",
        "Steps to ε on ½(θ₁² + κθ₂²) as κ grows, and steps divided by κ and by √κ",
        &[
            "κ",
            "GD steps",
            "GD steps / κ",
            "heavy ball steps",
            "heavy ball / √κ",
            "Nesterov steps",
            "Nesterov / √κ",
        ],
    );
    for &kappa in kappas {
        let runs = ravine_comparison(kappa)?;
        let steps: Vec<Option<usize>> = runs.iter().map(|r| r.steps_to_eps).collect();
        let cell = |s: Option<usize>| s.map_or(Cell::from("not reached"), Cell::from);
        let per = |s: Option<usize>, d: f64| Cell::num(s.map_or(f64::NAN, |s| s as f64) / d, 3);
        table.push(vec![
            Cell::num(kappa, 4),
            cell(steps[0]),
            per(steps[0], kappa),
            cell(steps[1]),
            per(steps[1], kappa.sqrt()),
            cell(steps[2]),
            per(steps[2], kappa.sqrt()),
        ]);
    }
    Ok(table)
}

/// Exercise 3: the best test log-loss of SGD and AdaGrad at each rarity.
fn ex3_rarity(probabilities: &[f64], seed: u64) -> Result<Table> {
    let mut table = crate::table!(
        "ex3_rarity",
        "Best test log-loss of SGD and AdaGrad as the rare features get rarer",
        &[
            "rare feature probability",
            "SGD: best η",
            "SGD: test log-loss",
            "AdaGrad: best η",
            "AdaGrad: test log-loss",
            "AdaGrad / SGD",
        ],
    );
    for &p in probabilities {
        let problem = SparseProblem {
            rare_p: p,
            ..SparseProblem::default()
        };
        let sweeps = sparse_sweep(&problem, &[Rule::Sgd, Rule::Adagrad], &SPARSE_LRS, seed)?;
        let best = |r: &[SparseResult]| {
            r.iter()
                .map(|x| (x.lr, x.test_loss))
                .fold(
                    (f64::NAN, f64::INFINITY),
                    |a, b| if b.1 < a.1 { b } else { a },
                )
        };
        let (sgd_lr, sgd) = best(&sweeps[0]);
        let (ada_lr, ada) = best(&sweeps[1]);
        table.push(vec![
            Cell::num(p, 2),
            Cell::num(sgd_lr, 2),
            Cell::num(sgd, 4),
            Cell::num(ada_lr, 2),
            Cell::num(ada, 4),
            Cell::num(ada / sgd, 3),
        ]);
    }
    Ok(table)
}
