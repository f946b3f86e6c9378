//! Hostile inputs to the library's constructors (issue 20): arbitrary numbers, NaN, ±∞,
//! huge and tiny values, 0 and `usize::MAX`. Nothing may panic; whatever a constructor
//! accepts must work: a schedule gives a finite rate `>= 0` at every step up to
//! `usize::MAX`, an optimizer takes a step on a tiny tensor, a plateau scheduler keeps a
//! positive rate, the finder's sweep and rules give positive rates, the diagnosis returns a
//! verdict or an error, and training runs or refuses. A damaged checkpoint, a plateau
//! state and a saved range test are refused or loaded, never a panic. The parser of the data files is
//! fuzzed in `src/data/fashion_mnist/tests.rs` (its functions are private).
//!
//! Each property runs at most 256 cases on tensors of two elements; the file takes a few
//! seconds.
use lrbook::checkpoint::Checkpoint;
use lrbook::data::Dataset;
use lrbook::finder::{
    suggest, RangeTest, RangeTestResult, Rule as FinderRule, Smoothing, SuggestOptions, Sweep,
    Tracker,
};
use lrbook::optim::{
    Adagrad, AdagradConfig, Adam, AdamConfig, Adamax, AdamaxConfig, Lamb, LambConfig, Lars,
    LarsConfig, NAdam, NAdamConfig, Optimizer, OptimizerSpec, RAdam, RAdamConfig, RmsProp,
    RmsPropConfig, Rule, Sgd, SgdConfig, TorchArgs,
};
use lrbook::regimes::{diagnose_with, Thresholds};
use lrbook::schedule::*;
use lrbook::train::{train, Loss, TrainConfig};
use lrbook::validate;
use proptest::prelude::*;
use tch::nn::{self, Module};
use tch::{Kind, Tensor};

/// `cases` cases from a fixed seed, so that a run repeats (and CI cannot fail by chance);
/// set `PROPTEST_RNG_SEED=N` to explore other inputs.
fn config(cases: u32) -> ProptestConfig {
    let from_env = ProptestConfig::default();
    ProptestConfig {
        cases,
        failure_persistence: None,
        rng_seed: match from_env.rng_seed {
            proptest::test_runner::RngSeed::Random => proptest::test_runner::RngSeed::Fixed(20),
            chosen => chosen,
        },
        ..from_env
    }
}

/// Any f64, weighted towards the values that break things.
fn wild() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => prop::sample::select(vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            1e-300,
            1e300,
            1.0 + 1e-12,
            1.0 - 1e-12,
            0.5,
            0.9,
            0.999,
            2.0,
        ]),
        3 => -2.0f64..2.0,
        1 => any::<f64>(),
    ]
}

/// Any count, weighted towards 0, 1, the limits and `usize::MAX`.
fn count() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => prop::sample::select(vec![
            0,
            1,
            2,
            3,
            validate::MAX_STEPS,
            validate::MAX_STEPS + 1,
            i32::MAX as usize + 1,
            usize::MAX - 1,
            usize::MAX,
        ]),
        3 => 0usize..200,
        1 => any::<usize>(),
    ]
}

/// Steps at which an accepted schedule is evaluated.
const STEPS: [usize; 8] = [
    0,
    1,
    7,
    1000,
    i32::MAX as usize + 1,
    u32::MAX as usize,
    usize::MAX - 1,
    usize::MAX,
];

/// An accepted schedule works: finite rates `>= 0` everywhere, finite momenta, `try_lr`
/// either agrees or errors.
fn check_schedule(s: &dyn LrSchedule) -> Result<(), TestCaseError> {
    prop_assert!(
        s.base_lr().is_finite() && s.base_lr() > 0.0,
        "base {}",
        s.base_lr()
    );
    for step in STEPS.into_iter().chain([s.base_lr() as usize]) {
        let lr = s.lr(step);
        prop_assert!(lr.is_finite() && lr >= 0.0, "lr({}) = {}", step, lr);
        if let Ok(t) = s.try_lr(step) {
            prop_assert_eq!(t.to_bits(), lr.to_bits());
        }
        if let Some(m) = s.momentum(step) {
            prop_assert!(m.is_finite(), "momentum({}) = {}", step, m);
        }
    }
    Ok(())
}

fn mode() -> impl Strategy<Value = CyclicMode> {
    prop::sample::select(vec![
        CyclicMode::Triangular,
        CyclicMode::Triangular2,
        CyclicMode::ExpRange,
    ])
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn decays_never_panic_and_stay_finite(
        lr in wild(), gamma in wild(), x in wild(), n in count(), m in count(),
        ms in prop::collection::vec(count(), 0..4),
    ) {
        let built: Vec<lrbook::Result<Box<dyn LrSchedule>>> = vec![
            Constant::new(lr).map(|s| Box::new(s) as _),
            StepLr::new(lr, n, gamma).map(|s| Box::new(s) as _),
            MultiStepLr::new(lr, ms, gamma).map(|s| Box::new(s) as _),
            ExponentialLr::new(lr, gamma).map(|s| Box::new(s) as _),
            TimeBasedDecay::new(lr, x).map(|s| Box::new(s) as _),
            InverseSqrt::new(lr, n).map(|s| Box::new(s) as _),
            PolynomialLr::new(lr, n, x).map(|s| Box::new(s) as _),
            LinearLr::new(lr, gamma, x, n).map(|s| Box::new(s) as _),
            CosineAnnealingLr::new(lr, n, x).map(|s| Box::new(s) as _),
            CosineAnnealingWarmRestarts::new(lr, n, m, x).map(|s| Box::new(s) as _),
            Warmup::linear(lr, n).map(|s| Box::new(s) as _),
            Warmup::cosine(lr, n).and_then(|w| w.with_start_factor(x)).map(|s| Box::new(s) as _),
            LinearOneCycle::new(x, lr, n).map(|s| Box::new(s) as _),
            cosine_with_warmup(lr, n, m, x).map(|s| Box::new(s) as _),
        ];
        for s in built.iter().flatten() {
            check_schedule(s.as_ref())?;
        }
        if let Ok(s) = CosineAnnealingWarmRestarts::new(lr, n, m, x) {
            for k in [0u32, 1, 5, 64, u32::MAX] {
                let _ = s.restart_step(k); // a step or an error, never a wrap or a panic
            }
        }
    }

    #[test]
    fn cycles_never_panic_and_stay_finite(
        lr in wild(), max in wild(), n in count(), total in count(),
        down in prop::option::of(count()), mode in mode(),
        gamma in wild(), base_m in wild(), max_m in wild(), pct in wild(),
        div in wild(), final_div in wild(), three_phase in any::<bool>(),
    ) {
        let cyclic = CyclicConfig {
            step_size_down: down,
            mode,
            gamma,
            cycle_momentum: true,
            base_momentum: base_m,
            max_momentum: max_m,
        };
        if let Ok(s) = CyclicLr::new(lr, max, n, cyclic) {
            check_schedule(&s)?;
        }
        let one = OneCycleConfig {
            pct_start: pct,
            anneal_strategy: if three_phase { AnnealStrategy::Linear } else { AnnealStrategy::Cos },
            div_factor: div,
            final_div_factor: final_div,
            three_phase,
            cycle_momentum: true,
            base_momentum: base_m,
            max_momentum: max_m,
        };
        if let Ok(s) = OneCycleLr::new(max, total, one) {
            check_schedule(&s)?;
        }
    }

    #[test]
    fn compositions_never_panic(lr in wild(), gamma in wild(), n in count(), m in count()) {
        let parts = || -> Vec<Box<dyn LrSchedule>> {
            let mut v: Vec<Box<dyn LrSchedule>> = vec![];
            if let Ok(s) = ExponentialLr::new(lr, gamma) { v.push(Box::new(s)); }
            if let Ok(s) = CyclicLr::new(lr, 3e38, 1, CyclicConfig::default()) { v.push(Box::new(s)); }
            if let Ok(s) = Warmup::linear(lr, n) { v.push(Box::new(s)); }
            v
        };
        if let Ok(c) = Chained::new(parts()) {
            check_schedule(&c)?;
        }
        let p = parts();
        let k = p.len();
        let milestones: Vec<usize> = (1..k).map(|i| i.saturating_mul(m.max(1))).collect();
        if let Ok(s) = Sequential::new(p, milestones) {
            check_schedule(&s)?;
        }
    }

    #[test]
    fn the_plateau_scheduler_never_panics_and_keeps_a_valid_rate(
        lr in wild(), factor in wild(), patience in count(), threshold in wild(),
        cooldown in count(), min_lr in wild(), eps in wild(), max_mode in any::<bool>(),
        abs in any::<bool>(), metrics in prop::collection::vec(wild(), 0..30),
    ) {
        let cfg = PlateauConfig {
            mode: if max_mode { PlateauMode::Max } else { PlateauMode::Min },
            factor,
            patience,
            threshold,
            threshold_mode: if abs { ThresholdMode::Abs } else { ThresholdMode::Rel },
            cooldown,
            min_lr,
            eps,
        };
        if let Ok(mut p) = ReduceLrOnPlateau::new(lr, cfg) {
            for &metric in &metrics {
                let now = p.step(metric);
                prop_assert!(validate::learning_rate("lr", now).is_ok(), "{}", now);
                prop_assert!(now <= lr);
            }
        }
    }
}

/// One parameter of two elements with a gradient (one entry 0, where eps = 0 gave NaN).
fn param() -> Tensor {
    let w = Tensor::from_slice(&[1.0f64, -2.0]).set_requires_grad(true);
    (&w * &w * Tensor::from_slice(&[0.0f64, 1.0]))
        .sum(Kind::Double)
        .backward();
    w
}

/// An accepted optimizer steps without panicking, and errors exactly on an invalid rate.
/// With `finite` (tame settings but a hostile `eps`), a valid rate up to 1 must leave the
/// weights finite, although one gradient entry is 0.
fn check_optimizer(
    mut opt: Box<dyn Optimizer>,
    w: &Tensor,
    lr: f64,
    finite: bool,
) -> Result<(), TestCaseError> {
    let valid = validate::learning_rate("lr", lr).is_ok();
    for _ in 0..2 {
        let r = opt.step(lr);
        prop_assert_eq!(r.is_ok(), valid);
    }
    if finite && valid && lr <= 1.0 {
        let v = Vec::<f64>::try_from(&w.detach()).unwrap();
        prop_assert!(v.iter().all(|x| x.is_finite()), "{:?} at lr {}", v, lr);
    }
    opt.zero_grad();
    Ok(())
}

type Build = Box<dyn Fn(Vec<Tensor>) -> lrbook::Result<Box<dyn Optimizer>>>;

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn optimizers_never_panic_and_step_when_built(
        a in wild(), b in wild(), eps in wild(), wd in wild(), flag in any::<bool>(),
        lr in prop_oneof![wild(), 1e-4f64..1.0],
    ) {
        let small_a = a.abs().min(0.99);
        // (builder, whether the weights must stay finite)
        let builds: Vec<(Build, bool)> = vec![
            (Box::new(move |p| Ok(Box::new(Sgd::new(p, SgdConfig { momentum: a, dampening: b, weight_decay: wd, nesterov: flag })?))), false),
            (Box::new(move |p| Ok(Box::new(Sgd::new(p, SgdConfig { momentum: small_a, nesterov: flag && small_a > 0.0, ..SgdConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(Adagrad::new(p, AdagradConfig { lr_decay: a, weight_decay: wd, initial_accumulator_value: b, eps })?))), false),
            (Box::new(move |p| Ok(Box::new(Adagrad::new(p, AdagradConfig { eps, ..AdagradConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(RmsProp::new(p, RmsPropConfig { alpha: a, eps, weight_decay: wd, momentum: b, centered: flag })?))), false),
            (Box::new(move |p| Ok(Box::new(RmsProp::new(p, RmsPropConfig { eps, centered: flag, ..RmsPropConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(Adam::new(p, AdamConfig { betas: (a, b), eps, weight_decay: wd, decoupled_weight_decay: flag, amsgrad: !flag })?))), false),
            (Box::new(move |p| Ok(Box::new(Adam::new(p, AdamConfig { betas: (small_a, 0.999), eps, amsgrad: flag, ..AdamConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(Adamax::new(p, AdamaxConfig { betas: (a, b), eps, weight_decay: wd })?))), false),
            (Box::new(move |p| Ok(Box::new(Adamax::new(p, AdamaxConfig { eps, ..AdamaxConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(NAdam::new(p, NAdamConfig { betas: (a, b), eps, weight_decay: wd, momentum_decay: b.abs(), decoupled_weight_decay: flag })?))), false),
            (Box::new(move |p| Ok(Box::new(NAdam::new(p, NAdamConfig { eps, ..NAdamConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(RAdam::new(p, RAdamConfig { betas: (a, b), eps, weight_decay: wd, decoupled_weight_decay: flag })?))), false),
            (Box::new(move |p| Ok(Box::new(RAdam::new(p, RAdamConfig { betas: (0.9, small_a), eps, ..RAdamConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(Lars::new(p, LarsConfig { momentum: a, dampening: b, weight_decay: wd, nesterov: flag, trust_coeff: a, eps, trust_clip: flag, always_adapt: !flag })?))), false),
            (Box::new(move |p| Ok(Box::new(Lars::new(p, LarsConfig { eps, momentum: small_a, trust_clip: flag, always_adapt: true, ..LarsConfig::default() })?))), true),
            (Box::new(move |p| Ok(Box::new(Lamb::new(p, LambConfig { betas: (a, b), eps, weight_decay: wd, bias_correction: flag, grad_averaging: !flag, max_grad_norm: Some(b).filter(|_| flag), trust_clip: flag, always_adapt: !flag, decoupled_decay: flag })?))), false),
            (Box::new(move |p| Ok(Box::new(Lamb::new(p, LambConfig { betas: (small_a, 0.999), eps, trust_clip: flag, always_adapt: true, ..LambConfig::default() })?))), true),
        ];
        for (build, finite) in builds {
            let w = param();
            if let Ok(opt) = build(vec![w.shallow_clone()]) {
                check_optimizer(opt, &w, lr, finite)?;
            }
        }
    }

    #[test]
    fn a_cycled_momentum_never_panics_and_is_reported(m in prop_oneof![wild(), 0.0f64..1.0]) {
        // What a momentum-cycling schedule does to each rule: [0, 1) is taken (β₁ for the
        // Adam family), anything else refused with the rule's state unchanged, and AdaGrad
        // has no momentum at all.
        for rule in Rule::ALL {
            let w = param();
            let mut opt = OptimizerSpec::from(rule).build(vec![w.shallow_clone()]).unwrap();
            let before = opt.momentum();
            prop_assert_eq!(before.is_some(), rule != Rule::Adagrad, "{}", rule);
            let r = opt.set_momentum(m);
            prop_assert_eq!(r.is_ok(), before.is_some() && (0.0..1.0).contains(&m), "{} {}", rule, m);
            prop_assert_eq!(opt.momentum(), if r.is_ok() { Some(m) } else { before });
            opt.step(1e-3).unwrap();
            let v = Vec::<f64>::try_from(&w.detach()).unwrap();
            prop_assert!(v.iter().all(|x| x.is_finite()), "{} at momentum {}: {:?}", rule, m, v);
        }
    }

    #[test]
    fn the_registry_never_panics_and_builds_working_optimizers(
        rule in prop::sample::select(Rule::ALL.to_vec()),
        lr in prop::option::of(wild()), a in prop::option::of(wild()),
        b in prop::option::of(wild()), eps in prop::option::of(wild()),
        wd in prop::option::of(wild()), flag in any::<bool>(),
    ) {
        let w = param();
        let args = TorchArgs {
            lr,
            betas: a.zip(b),
            eps,
            weight_decay: wd,
            momentum: a.filter(|_| flag),
            dampening: b.filter(|_| !flag),
            alpha: a,
            lr_decay: b,
            initial_accumulator_value: b,
            momentum_decay: b,
            ..TorchArgs::default()
        };
        // Only the arguments the class takes: others are a (tested) error of their own.
        let spec = rule.with(args);
        let keep: Vec<&str> = rule.arguments().to_vec();
        let pruned = TorchArgs {
            lr: args.lr,
            betas: args.betas.filter(|_| keep.contains(&"betas")),
            eps: args.eps.filter(|_| keep.contains(&"eps")),
            weight_decay: args.weight_decay.filter(|_| keep.contains(&"weight_decay")),
            momentum: args.momentum.filter(|_| keep.contains(&"momentum")),
            dampening: args.dampening.filter(|_| keep.contains(&"dampening")),
            alpha: args.alpha.filter(|_| keep.contains(&"alpha")),
            lr_decay: args.lr_decay.filter(|_| keep.contains(&"lr_decay")),
            initial_accumulator_value: args
                .initial_accumulator_value
                .filter(|_| keep.contains(&"initial_accumulator_value")),
            momentum_decay: args.momentum_decay.filter(|_| keep.contains(&"momentum_decay")),
            ..TorchArgs::default()
        };
        let _ = spec.build(vec![w.shallow_clone()]).map(|_| ());
        let pruned = rule.with(pruned);
        if let Ok(opt) = pruned.build(vec![w.shallow_clone()]) {
            check_optimizer(opt, &w, pruned.lr(), false)?;
        }
    }
}

/// A range-test curve: falls, bottoms out, blows up.
fn curve() -> (Vec<f64>, Vec<f64>) {
    let lrs: Vec<f64> = (0..100).map(|i| 1e-5 * 1.15f64.powi(i)).collect();
    let losses = (0..100)
        .map(|i| 2.0 - 1.5 * (i as f64 / 60.0).min(1.0) + (i as f64 / 90.0).powi(8))
        .collect();
    (lrs, losses)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_finder_never_panics_and_sweeps_positive_rates(
        start in wild(), end in wild(), n in count(), beta in wild(),
        k in prop::option::of(wild()), linear in any::<bool>(), seed in any::<bool>(),
        losses in prop::collection::vec(wild(), 0..40),
    ) {
        let t = RangeTest::new(start, end, n).map(|t| RangeTest {
            sweep: if linear { Sweep::Linear } else { Sweep::Exponential },
            smoothing: Smoothing { beta, bias_correction: !linear, seed_with_first: seed },
            divergence_factor: k,
            ..t
        });
        if let Ok(t) = t {
            if t.validate().is_ok() {
                for step in [0, 1, n / 2, n - 1, n, usize::MAX] {
                    let lr = t.lr_at(step);
                    prop_assert!(lr.is_finite() && lr > 0.0, "lr_at({}) = {}", step, lr);
                }
                let mut tracker = Tracker::new(t.smoothing, t.divergence_factor);
                for &l in &losses {
                    let _ = tracker.push(l);
                }
            }
        }
    }

    #[test]
    fn the_finder_rules_never_panic_and_suggest_positive_rates(
        rule in prop::sample::select(FinderRule::ALL.to_vec()),
        skip_start in prop::option::of(count()), skip_end in count(), min_points in count(),
        min_drop in wild(), lr_diff in count(), thresh in wild(), adjust in wild(),
        poison in prop::option::of((0usize..100, wild())),
    ) {
        let (lrs, mut losses) = curve();
        if let Some((i, v)) = poison {
            losses[i] = v;
        }
        let opts = SuggestOptions {
            skip_start,
            skip_end,
            min_points,
            min_drop,
            slide_lr_diff: lr_diff,
            slide_thresh: thresh,
            slide_adjust: adjust,
        };
        if let Ok(s) = suggest(rule, &lrs, &losses, &opts) {
            prop_assert!(validate::learning_rate("suggestion", s.lr).is_ok(), "{:?}", s);
            prop_assert!(s.index < lrs.len());
        }
    }

    #[test]
    fn the_diagnosis_never_panics(
        diverge in wild(), swing in wild(), flat in wild(), still in wild(),
        floor in prop::option::of(wild()), reach in wild(), min_len in count(),
        alternation in wild(), log in prop::collection::vec(wild(), 0..24),
    ) {
        let th = Thresholds {
            diverge_ratio: diverge,
            swing_ratio: swing,
            flat_ratio: flat,
            still_falling: still,
            floor,
            reach,
            min_len,
            alternation,
        };
        for th in [th, Thresholds { min_len: 1, ..Thresholds::default() }] {
            if let Ok(d) = diagnose_with(&log, &th) {
                prop_assert!(!d.reason.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Training either refuses the configuration or runs it (short runs only: `max_steps`
    /// is small, or the run is long enough to be refused).
    #[test]
    fn training_configs_never_panic(
        epochs in count(), batch_size in count(), blowup in prop::option::of(wild()),
        eval_every in prop::option::of(count()), max_steps in prop_oneof![
            3 => (0usize..4).prop_map(Some),
            1 => Just(None),
        ],
        lr in prop_oneof![wild(), 1e-3f64..0.1],
        clip in prop::option::of(wild()),
    ) {
        // Unbounded runs only with epochs that are refused at once.
        let epochs = if max_steps.is_none() { epochs.max(validate::MAX_STEPS + 1) } else { epochs };
        tch::manual_seed(0);
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let model = nn::linear(vs.root(), 2, 1, Default::default());
        let data = Dataset::new(
            Tensor::from_slice(&[0.0f32, 1.0, 1.0, 0.0, 1.0, 1.0]).view([3, 2]),
            Tensor::from_slice(&[1.0f32, 0.0, 2.0]).view([3, 1]),
        )
        .unwrap();
        let cfg = TrainConfig {
            epochs,
            batch_size,
            shuffle_seed: Some(epochs as u64),
            max_steps,
            blowup,
            eval_every,
            progress: false,
            clip_grad_norm: clip,
        };
        let mut opt = lrbook::optim::GradientDescent::new(vs.trainable_variables());
        let result = train(&model, Loss::Mse, &mut opt, &mut |_| lr, &data, Some(&data), &cfg);
        if let Ok(h) = result {
            prop_assert!(h.steps.len() <= max_steps.unwrap_or(0));
            prop_assert!(!h.evals.is_empty());
            // A clip record per step taken, only when clipping (a valid max_norm).
            prop_assert!(h.grad_norms.len() <= h.steps.len());
            prop_assert_eq!(h.clip_rate().is_some(), clip.is_some() && !h.grad_norms.is_empty());
            let _ = model.forward(&data.inputs);
        }
    }
}

/// A valid checkpoint (a linear model and Adam after one step), as bytes, and the model and
/// optimizer it restores into.
fn checkpoint_bytes() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let (vs, mut opt) = checkpoint_target();
        opt.zero_grad();
        let x = Tensor::ones([4, 2], (Kind::Float, tch::Device::Cpu));
        nn::linear(vs.root() / "fc", 2, 1, Default::default())
            .forward(&x)
            .sum(Kind::Float)
            .backward();
        opt.step(0.1).unwrap();
        let dir = std::env::temp_dir().join(format!("lrbook-hostile-ckpt-{}", std::process::id()));
        let path = dir.join("good.safetensors");
        Checkpoint::new(1, &vs, &*opt).unwrap().save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        bytes
    })
}

fn checkpoint_target() -> (nn::VarStore, Box<dyn Optimizer>) {
    let vs = nn::VarStore::new(tch::Device::Cpu);
    let _ = nn::linear(vs.root() / "fc", 2, 1, Default::default());
    let opt = Rule::Adam
        .with(TorchArgs::default())
        .build(vs.trainable_variables())
        .unwrap();
    (vs, opt)
}

proptest! {
    #![proptest_config(config(128))]

    /// A checkpoint cut short, with a byte changed, or replaced by junk never panics the
    /// loader; whatever it accepts restores or is refused, without a panic either.
    #[test]
    fn damaged_checkpoints_never_panic(
        cut in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        xor in 1u8..=255,
        junk in prop::collection::vec(any::<u8>(), 0..64),
        which in 0u8..3,
    ) {
        let good = checkpoint_bytes();
        let bytes = match which {
            0 => good[..cut.index(good.len())].to_vec(),
            1 => {
                let mut b = good.to_vec();
                let i = at.index(b.len());
                b[i] ^= xor;
                b
            }
            _ => junk,
        };
        let dir = std::env::temp_dir().join(format!("lrbook-hostile-ckpt-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("damaged.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        let loaded = Checkpoint::load(&path);
        std::fs::remove_file(&path).unwrap();
        if which == 0 {
            let e = loaded.as_ref().err().map(ToString::to_string).unwrap_or_default();
            prop_assert!(e.contains("truncated"), "a cut file loaded or gave {}", e);
        }
        if let Ok(c) = loaded {
            let (vs, mut opt) = checkpoint_target();
            let _ = c.restore(&vs, &mut *opt);
        }
    }

    /// A plateau state from any numbers is refused or continues with a valid rate.
    #[test]
    fn plateau_states_never_panic(
        lr in wild(), best in wild(), bad in count(), cooldown_left in count(),
        patience in 0usize..5, cooldown in 0usize..5, metrics in prop::collection::vec(wild(), 0..10),
    ) {
        let cfg = PlateauConfig { patience, cooldown, ..PlateauConfig::default() };
        let state = PlateauState { lr, best, num_bad_steps: bad, cooldown_counter: cooldown_left };
        if let Ok(mut p) = ReduceLrOnPlateau::from_state(cfg, state) {
            prop_assert_eq!(p.state(), state);
            for &m in &metrics {
                let now = p.step(m);
                prop_assert!(validate::learning_rate("lr", now).is_ok(), "{}", now);
            }
        }
    }

    /// Any text given as a saved range test is read or refused, never a panic.
    #[test]
    fn saved_range_tests_never_panic(text in ".{0,200}", step in count(), lr in wild()) {
        let _ = RangeTestResult::from_json(&text);
        let crafted = format!(
            r#"{{"format":"lrbook range test","version":1,"stop":{{"kind":"diverged","step":{step},"smoothed":"{lr:?}"}},"points":[{{"step":0,"lr":"{lr:?}","train_loss":"1.0","val_loss":null,"smoothed":"1.0"}}]}}"#
        );
        if let Ok(r) = RangeTestResult::from_json(&crafted) {
            prop_assert!(r.points[0].lr > 0.0 && r.points[0].lr.is_finite());
            let _ = r.suggestions();
            let _ = r.divergence_lr();
        }
    }
}
