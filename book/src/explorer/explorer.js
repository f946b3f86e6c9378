// The schedule explorer (chapter 3). Plain JavaScript, no dependencies.
//
// `evaluate(kind, params, steps)` computes a schedule in float64 with the formulas of
// lrbook's src/schedule/*.rs (closed forms, the same operation order), so that the page
// shows what the library computes. The fixture kinds and parameter names are those of
// tests/fixtures/schedules.json (recorded from PyTorch by scripts/reference/schedules.py),
// and the browser test (tests/browser/explorer.mjs) replays every fixture case through
// `window.lrExplorer.evaluate` and compares each value to 1e-12. The widget below calls the
// same function, and also writes the Rust line that builds the schedule with lrbook's API
// and the PyTorch line that matches it.
(function () {
  "use strict";

  // src/validate.rs: MIN_LEARNING_RATE = f32::MIN_POSITIVE, MAX_LEARNING_RATE = f32::MAX.
  const MIN_LR = 1.1754943508222875e-38;
  const MAX_LR = 3.4028234663852886e38;
  const MAX_STEPS = 10000000;
  const PI = Math.PI;

  // --- the checks of the Rust constructors (src/validate.rs, src/schedule/mod.rs) --------
  function invalid(what, problem) {
    const e = new Error(what + ": " + problem);
    e.name = "ScheduleError";
    throw e;
  }
  function learningRate(what, x) {
    if (!Number.isFinite(x)) invalid(what, "got " + x + ", which is not a finite number");
    if (x <= 0) invalid(what, "got " + x + ", but a learning rate must be > 0");
    if (x < MIN_LR || x > MAX_LR) invalid(what, "got " + x + ", outside the single-precision range");
    return x;
  }
  function count(what, n, max) {
    if (!Number.isInteger(n) || n < 0) invalid(what, "got " + n + ", but it must be a whole number");
    if (n === 0) invalid(what, "got 0, but it must be at least 1");
    if (max !== undefined && n > max) invalid(what, "got " + n + ", above the limit of " + max);
    return n;
  }
  function wholeNumber(what, n) {
    if (!Number.isInteger(n) || n < 0) invalid(what, "got " + n + ", but it must be a whole number >= 0");
    return n;
  }
  function nonNegative(what, x) {
    if (!Number.isFinite(x) || x < 0) invalid(what, "got " + x + ", but it must be a finite number >= 0");
    return x;
  }
  function positive(what, x) {
    if (!Number.isFinite(x) || x <= 0) invalid(what, "got " + x + ", but it must be a finite number > 0");
    return x;
  }
  function range(what, min, max) {
    if (!Number.isFinite(min) || !Number.isFinite(max)) invalid(what, "got min=" + min + ", max=" + max + "; both must be finite");
    if (min > max) invalid(what, "got min=" + min + " > max=" + max);
  }
  function minLr(what, min, max) {
    nonNegative(what, min);
    range(what, min, max);
    return min;
  }
  function unitFactor(what, x, allowZero) {
    const ok = Number.isFinite(x) && x <= 1 && (x > 0 || (allowZero && x === 0));
    if (!ok) invalid(what, "got " + x + ", but it must lie in " + (allowZero ? "[0, 1]" : "(0, 1]"));
    return x;
  }
  function decayFactor(what, g) {
    if (!(Number.isFinite(g) && g > 0 && g <= 1)) invalid(what, "got " + g + ", but a decay factor must lie in (0, 1]");
    return g;
  }
  function momentumRange(base, max) {
    unitFactor("base momentum", base, true);
    unitFactor("max momentum", max, true);
    range("momentum range", base, max);
  }

  // --- the schedules: each is { base, lr(step), momentum(step) or null } -------------------
  // One function per Rust type; `lr` is the body of its `LrSchedule::lr`.
  function cosine(base, etaMin, t, period) {
    return etaMin + ((base - etaMin) * (1 + Math.cos((PI * t) / period))) / 2;
  }
  function schedule(base, lr, momentum) {
    return { base: base, lr: lr, momentum: momentum || null };
  }

  const make = {
    constant(p) {
      const base = learningRate("base learning rate", p.base_lr);
      return schedule(base, () => base);
    },
    step(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const size = count("step size", p.step_size);
      const gamma = decayFactor("gamma", p.gamma);
      return schedule(base, (k) => base * Math.pow(gamma, Math.floor(k / size)));
    },
    multistep(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const gamma = decayFactor("gamma", p.gamma);
      if (!Array.isArray(p.milestones)) invalid("milestones", "must be a list of steps");
      const ms = p.milestones.map((m) => wholeNumber("milestone", m)).sort((a, b) => a - b);
      return schedule(base, (k) => base * Math.pow(gamma, ms.filter((m) => m <= k).length));
    },
    exponential(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const gamma = decayFactor("gamma", p.gamma);
      return schedule(base, (k) => base * Math.pow(gamma, k));
    },
    time_based(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const decay = nonNegative("decay", p.decay);
      return schedule(base, (k) => base / (1 + decay * k));
    },
    inverse_sqrt(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const tau = count("timescale", p.timescale);
      return schedule(base, (k) => base / Math.sqrt(1 + k / tau));
    },
    polynomial(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const total = count("total_iters", p.total_iters);
      const power = nonNegative("power", p.power);
      return schedule(base, (k) => base * Math.pow(1 - Math.min(k, total) / total, power));
    },
    linear(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const s = unitFactor("start_factor", p.start_factor, false);
      const e = unitFactor("end_factor", p.end_factor, true);
      const total = count("total_iters", p.total_iters);
      return schedule(base, (k) => Math.max(base * (s + ((e - s) * Math.min(k, total)) / total), 0));
    },
    cosine(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const tMax = count("T_max", p.t_max);
      const etaMin = minLr("eta_min", p.eta_min, base);
      return schedule(base, (k) => cosine(base, etaMin, k, tMax));
    },
    warm_restarts(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const t0 = count("T_0", p.t_0, MAX_STEPS);
      const tMult = count("T_mult", p.t_mult, MAX_STEPS);
      const etaMin = minLr("eta_min", p.eta_min, base);
      return schedule(base, (k) => {
        // CosineAnnealingWarmRestarts::position
        let tCur = k, tI = t0;
        if (tMult === 1) {
          tCur = k % t0;
        } else {
          while (tCur >= tI) {
            tCur -= tI;
            tI *= tMult;
          }
        }
        return cosine(base, etaMin, tCur, tI);
      });
    },
    warmup(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const w = count("warmup steps", p.warmup_steps);
      const s = p.start_factor === null || p.start_factor === undefined
        ? 1 / w : unitFactor("warmup start factor", p.start_factor, true);
      if (p.shape !== "linear" && p.shape !== "cosine") invalid("warmup shape", "must be linear or cosine");
      return schedule(base, (k) => {
        const progress = Math.min(k, w) / w;
        const ramp = p.shape === "linear" ? progress : (1 - Math.cos(PI * progress)) / 2;
        return base * (s + (1 - s) * ramp);
      });
    },
    cosine_with_warmup(p) {
      count("warmup steps", p.warmup_steps);
      if (!Number.isInteger(p.total_steps) || p.warmup_steps >= p.total_steps) {
        invalid("warmup steps", "got " + p.warmup_steps + ", which leaves no steps of the total " + p.total_steps + " to anneal");
      }
      // warmup_then(w, CosineAnnealingLr::new(base, total - w, eta_min))
      const cos = make.cosine({ base_lr: p.base_lr, t_max: p.total_steps - p.warmup_steps, eta_min: p.eta_min });
      const warm = make.warmup({ base_lr: cos.base, warmup_steps: p.warmup_steps, shape: "linear", start_factor: null });
      return sequential([warm, cos], [p.warmup_steps]);
    },
    one_cycle(p) {
      const maxLr = learningRate("max learning rate", p.max_lr);
      const total = count("total_steps", p.total_steps);
      if (!(p.pct_start >= 0 && p.pct_start <= 1)) invalid("pct_start", "got " + p.pct_start + ", but it must lie in [0, 1]");
      positive("div_factor", p.div_factor);
      positive("final_div_factor", p.final_div_factor);
      momentumRange(p.base_momentum, p.max_momentum);
      if (p.anneal_strategy !== "cos" && p.anneal_strategy !== "linear") invalid("anneal_strategy", "must be cos or linear");
      const initial = maxLr / p.div_factor;
      learningRate("one-cycle initial learning rate (max_lr / div_factor)", initial);
      const min = initial / p.final_div_factor;
      learningRate("one-cycle final learning rate (max_lr / div_factor / final_div_factor)", min);
      const bm = p.base_momentum, mm = p.max_momentum;
      const upEnd = p.pct_start * total - 1;
      const last = total - 1;
      const phases = p.three_phase
        ? [
            { end: upEnd, lr: [initial, maxLr], mom: [mm, bm] },
            { end: 2 * p.pct_start * total - 2, lr: [maxLr, initial], mom: [bm, mm] },
            { end: last, lr: [initial, min], mom: [mm, mm] },
          ]
        : [
            { end: upEnd, lr: [initial, maxLr], mom: [mm, bm] },
            { end: last, lr: [maxLr, min], mom: [bm, mm] },
          ];
      let start = 0;
      phases.forEach((ph, i) => {
        if (ph.end <= start) {
          invalid("one-cycle schedule", "phase " + (i + 1) + " has no steps (it would end at step " + ph.end +
            " but starts at " + start + ") with total_steps=" + total + ", pct_start=" + p.pct_start);
        }
        start = ph.end;
      });
      // AnnealStrategy::anneal
      const anneal = p.anneal_strategy === "cos"
        ? (a, b, pct) => b + ((a - b) / 2) * (Math.cos(PI * pct) + 1)
        : (a, b, pct) => (b - a) * pct + a;
      // OneCycleLr::values: saturates at total_steps (try_lr errors past it, as PyTorch raises).
      function values(k) {
        const t = Math.min(k, total);
        let from = 0;
        for (let i = 0; i < phases.length; i++) {
          const ph = phases[i];
          if (t <= ph.end || i === phases.length - 1) {
            const pct = (t - from) / (ph.end - from);
            return [anneal(ph.lr[0], ph.lr[1], pct), anneal(ph.mom[0], ph.mom[1], pct)];
          }
          from = ph.end;
        }
      }
      const s = schedule(initial, (k) => values(k)[0], p.cycle_momentum ? (k) => values(k)[1] : null);
      s.lastStep = total;
      return s;
    },
    linear_one_cycle(p) {
      const minLr_ = learningRate("min learning rate", p.min_lr);
      const maxLr = learningRate("max learning rate", p.max_lr);
      range("one-cycle learning-rate range", minLr_, maxLr);
      if (!Number.isInteger(p.total_steps) || p.total_steps < 2) invalid("total steps", "got " + p.total_steps + ", but a cycle needs at least 2");
      const total = p.total_steps, half = total / 2, height = maxLr - minLr_;
      return schedule(minLr_, (k) => {
        const t = Math.min(k, total);
        return t <= half ? minLr_ + (height * t) / half : minLr_ + (height * (total - t)) / (total - half);
      });
    },
    cyclic(p) {
      const base = learningRate("base learning rate", p.base_lr);
      const maxLr = learningRate("max learning rate", p.max_lr);
      range("cyclic learning-rate range", base, maxLr);
      const up = count("step_size_up", p.step_size_up);
      const down = p.step_size_down === null || p.step_size_down === undefined ? up : count("step_size_down", p.step_size_down);
      decayFactor("cyclic gamma", p.gamma);
      momentumRange(p.base_momentum, p.max_momentum);
      if (!["triangular", "triangular2", "exp_range"].includes(p.mode)) invalid("mode", "must be triangular, triangular2 or exp_range");
      const totalSize = up + down, ratio = up / (up + down);
      // CyclicLr::shape
      function shape(k) {
        const cycle = Math.floor(1 + k / totalSize);
        const x = 1 + k / totalSize - cycle;
        const height = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
        const scale = p.mode === "triangular" ? 1 : p.mode === "triangular2" ? 1 / Math.pow(2, cycle - 1) : Math.pow(p.gamma, k);
        return [height, scale];
      }
      return schedule(
        base,
        (k) => { const [h, s] = shape(k); return base + (maxLr - base) * h * s; },
        p.cycle_momentum ? (k) => { const [h, s] = shape(k); return p.max_momentum - (p.max_momentum - p.base_momentum) * h * s; } : null
      );
    },
    sequential(p) {
      if (!Array.isArray(p.parts) || !p.parts.length) invalid("sequential schedule", "got no schedules, but it needs at least one");
      return sequential(p.parts.map((q) => part(q, p.base_lr)), p.milestones);
    },
    chained(p) {
      if (!Array.isArray(p.parts) || !p.parts.length) invalid("chained schedule", "got no schedules, but it needs at least one");
      const parts = p.parts.map((q) => part(q, p.base_lr));
      parts.forEach((s, i) => learningRate("base learning rate of chained part " + i, s.base));
      // Chained::lr: base · Π lrᵢ / baseᵢ, exactly 0 if any factor is 0.
      return schedule(parts[0].base, (k) => {
        const factors = parts.map((s) => s.lr(k) / s.base);
        if (factors.some((f) => f === 0)) return 0;
        const factor = factors.reduce((a, b) => a * b, 1);
        return Math.min(parts[0].base * factor, Number.MAX_VALUE);
      });
    },
  };

  // A part of a composition: its own parameters, with the composition's base_lr.
  function part(q, base) {
    if (!make[q.kind] || q.kind === "sequential" || q.kind === "chained") invalid("part", "unknown kind " + q.kind);
    return make[q.kind](Object.assign({ base_lr: base }, q));
  }

  // Sequential: the part in charge of step k, at its own step k − milestone.
  function sequential(parts, milestones) {
    if (!Array.isArray(milestones) || milestones.length + 1 !== parts.length) {
      invalid("sequential milestones", "there must be one fewer milestones than schedules");
    }
    let previous = 0;
    for (const m of milestones) {
      if (!Number.isInteger(m) || m <= previous) invalid("sequential milestones", "got [" + milestones + "]; they must be strictly increasing and >= 1");
      previous = m;
    }
    const locate = (k) => {
      const i = milestones.filter((m) => m <= k).length;
      return [parts[i], k - (i === 0 ? 0 : milestones[i - 1])];
    };
    const anyMomentum = parts.some((s) => s.momentum);
    return schedule(
      parts[0].base,
      (k) => { const [s, local] = locate(k); return s.lr(local); },
      anyMomentum ? (k) => { const [s, local] = locate(k); return s.momentum ? s.momentum(local) : null; } : null
    );
  }

  // ReduceLrOnPlateau::step over a sequence of metrics: the LR after each one.
  function plateau(p, steps) {
    let lr = learningRate("base learning rate", p.base_lr);
    if (!(p.factor > 0 && p.factor < 1)) invalid("plateau factor", "got " + p.factor + ", but it must lie in (0, 1)");
    nonNegative("plateau threshold", p.threshold);
    if (p.threshold_mode !== "rel" && p.threshold_mode !== "abs") invalid("threshold_mode", "must be rel or abs");
    if (p.mode !== "min" && p.mode !== "max") invalid("mode", "must be min or max");
    if (p.threshold_mode === "rel" && p.threshold >= 1) invalid("plateau threshold", "got " + p.threshold + " in relative mode, but it must lie in [0, 1)");
    if (wholeNumber("plateau patience", p.patience) > MAX_STEPS) invalid("plateau patience", "above the limit of " + MAX_STEPS);
    if (wholeNumber("plateau cooldown", p.cooldown) > MAX_STEPS) invalid("plateau cooldown", "above the limit of " + MAX_STEPS);
    nonNegative("plateau eps", p.eps);
    minLr("plateau min_lr", p.min_lr, lr);
    const metrics = p.metrics.slice(0, steps);
    let best = p.mode === "min" ? Infinity : -Infinity;
    let bad = 0, cooldown = 0;
    const th = p.threshold;
    const isBetter = (a) =>
      p.mode === "min"
        ? (p.threshold_mode === "rel" ? a < best * (1 - th) : a < best - th)
        : (p.threshold_mode === "rel" ? a > best * (th + 1) : a > best + th);
    return metrics.map((m) => {
      if (isBetter(m)) { best = m; bad = 0; } else { bad += 1; }
      if (cooldown > 0) { cooldown -= 1; bad = 0; }
      if (bad > p.patience) {
        const next = Math.max(lr * p.factor, Math.max(p.min_lr, MIN_LR));
        if (lr - next > p.eps) lr = next;
        cooldown = p.cooldown;
        bad = 0;
      }
      return lr;
    });
  }

  /** The LRs (and momenta, or null) of steps 0..steps-1 of schedule `kind`; throws on bad parameters. */
  function evaluate(kind, params, steps) {
    count("steps", steps, 100000);
    if (kind === "plateau") return { lrs: plateau(params, steps), momenta: null };
    if (!make[kind]) invalid("schedule", "unknown kind " + kind);
    const s = make[kind](params);
    const lrs = [], momenta = s.momentum ? [] : null;
    for (let k = 0; k < steps; k++) {
      lrs.push(s.lr(k));
      if (momenta) momenta.push(s.momentum(k));
    }
    return { lrs: lrs, momenta: momenta, lastStep: s.lastStep === undefined ? null : s.lastStep };
  }

  // --- Rust and PyTorch lines ----------------------------------------------------------
  // An f64 literal as Rust and Python read it back to the same number (JS prints the
  // shortest round-trip form; a whole number needs ".0" to be a float literal).
  function fl(x) {
    const s = String(x);
    return /[.e]/.test(s) || !Number.isFinite(x) ? s : s + ".0";
  }
  const py = (b) => (b ? "True" : "False");
  const q = (s) => '"' + s + '"';
  const torchSched = "torch.optim.lr_scheduler.";
  function optimizerLine(lr) {
    return "optimizer = torch.optim.SGD(model.parameters(), lr=" + fl(lr) + ", momentum=0.9)";
  }
  // Struct-literal fields that differ from the defaults (then `..Config::default()`).
  function config(name, fields) {
    const set = fields.filter((f) => f[2]);
    if (!set.length) return name + "::default()";
    return name + " {\n" + set.map((f) => "        " + f[0] + ": " + f[1] + ",\n").join("") +
      "        .." + name + "::default()\n    }";
  }
  // `f(a, b)?` on one line, or one argument per line (rustfmt's layout) when one spans lines.
  function call(f, args) {
    if (!args.some((a) => a.includes("\n"))) return f + "(" + args.join(", ") + ")?";
    return f + "(\n" + args.map((a) => "    " + a + ",\n").join("") + ")?";
  }
  function kwargs(fields) {
    return fields.filter((f) => f[2]).map((f) => ", " + f[0] + "=" + f[1]).join("");
  }

  // The UI's parameters -> evaluate()'s parameters (the fixture's names); identity by default.
  // Each kind: label, form fields, default steps, and its two code lines.
  // Field types: f (float), i (integer), list (integers), sel (options), bool, opt (float or blank).
  const KINDS = {
    constant: {
      label: "Constant", group: "Decays", steps: 100,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1]],
      rust: (p) => ["Constant", "Constant::new(" + fl(p.base_lr) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "ConstantLR(optimizer, factor=1.0)"],
    },
    step: {
      label: "Step decay (StepLR)", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["step_size", "step_size", "i", 30], ["gamma", "gamma γ", "f", 0.1]],
      rust: (p) => ["StepLr", "StepLr::new(" + fl(p.base_lr) + ", " + p.step_size + ", " + fl(p.gamma) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "StepLR(optimizer, step_size=" + p.step_size + ", gamma=" + fl(p.gamma) + ")"],
    },
    multistep: {
      label: "Multistep (MultiStepLR)", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["milestones", "milestones (steps, comma-separated)", "list", [30, 80]], ["gamma", "gamma γ", "f", 0.1]],
      rust: (p) => ["MultiStepLr", "MultiStepLr::new(" + fl(p.base_lr) + ", vec![" + p.milestones.join(", ") + "], " + fl(p.gamma) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "MultiStepLR(optimizer, milestones=[" + p.milestones.join(", ") + "], gamma=" + fl(p.gamma) + ")"],
    },
    exponential: {
      label: "Exponential (ExponentialLR)", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["gamma", "gamma γ", "f", 0.98]],
      rust: (p) => ["ExponentialLr", "ExponentialLr::new(" + fl(p.base_lr) + ", " + fl(p.gamma) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "ExponentialLR(optimizer, gamma=" + fl(p.gamma) + ")"],
    },
    time_based: {
      label: "Time-based decay", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["decay", "decay λ", "f", 0.05]],
      rust: (p) => ["TimeBasedDecay", "TimeBasedDecay::new(" + fl(p.base_lr) + ", " + fl(p.decay) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "LambdaLR(optimizer, lambda step: 1 / (1 + " + fl(p.decay) + " * step))"],
    },
    inverse_sqrt: {
      label: "Inverse square root", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["timescale", "timescale τ", "i", 10]],
      rust: (p) => ["InverseSqrt", "InverseSqrt::new(" + fl(p.base_lr) + ", " + p.timescale + ")?"],
      torch: (p) => [p.base_lr, torchSched + "LambdaLR(optimizer, lambda step: 1 / math.sqrt(1 + step / " + p.timescale + "))"],
    },
    polynomial: {
      label: "Polynomial (PolynomialLR)", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["total_iters", "total_iters", "i", 100], ["power", "power", "f", 2]],
      rust: (p) => ["PolynomialLr", "PolynomialLr::new(" + fl(p.base_lr) + ", " + p.total_iters + ", " + fl(p.power) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "PolynomialLR(optimizer, total_iters=" + p.total_iters + ", power=" + fl(p.power) + ")"],
    },
    linear: {
      label: "Linear (LinearLR)", group: "Decays", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["start_factor", "start_factor", "f", 1], ["end_factor", "end_factor", "f", 0.01], ["total_iters", "total_iters", "i", 100]],
      rust: (p) => ["LinearLr", "LinearLr::new(" + fl(p.base_lr) + ", " + fl(p.start_factor) + ", " + fl(p.end_factor) + ", " + p.total_iters + ")?"],
      torch: (p) => [p.base_lr, torchSched + "LinearLR(optimizer, start_factor=" + fl(p.start_factor) + ", end_factor=" + fl(p.end_factor) + ", total_iters=" + p.total_iters + ")"],
    },
    cosine: {
      label: "Cosine annealing (CosineAnnealingLR)", group: "Cosine", steps: 300,
      fields: [["base_lr", "base learning rate η_max", "f", 0.1], ["t_max", "T_max", "i", 100], ["eta_min", "eta_min", "f", 0]],
      rust: (p) => ["CosineAnnealingLr", "CosineAnnealingLr::new(" + fl(p.base_lr) + ", " + p.t_max + ", " + fl(p.eta_min) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "CosineAnnealingLR(optimizer, T_max=" + p.t_max + ", eta_min=" + fl(p.eta_min) + ")"],
    },
    warm_restarts: {
      label: "Warm restarts (CosineAnnealingWarmRestarts)", group: "Cosine", steps: 300,
      fields: [["base_lr", "base learning rate η_max", "f", 0.1], ["t_0", "T_0 (first period)", "i", 10], ["t_mult", "T_mult", "i", 2], ["eta_min", "eta_min", "f", 0.001]],
      rust: (p) => ["CosineAnnealingWarmRestarts", "CosineAnnealingWarmRestarts::new(" + fl(p.base_lr) + ", " + p.t_0 + ", " + p.t_mult + ", " + fl(p.eta_min) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "CosineAnnealingWarmRestarts(optimizer, T_0=" + p.t_0 + ", T_mult=" + p.t_mult + ", eta_min=" + fl(p.eta_min) + ")"],
    },
    warmup: {
      label: "Warmup (linear or cosine)", group: "Warmup", steps: 60,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["warmup_steps", "warmup steps w", "i", 20], ["shape", "shape", "sel", "linear", ["linear", "cosine"]],
        ["start_factor", "start factor s (blank: 1/w)", "opt", null]],
      rust: (p) => {
        const s = p.start_factor === null ? "" : "?\n    .with_start_factor(" + fl(p.start_factor) + ")";
        return ["Warmup", "Warmup::" + p.shape + "(" + fl(p.base_lr) + ", " + p.warmup_steps + ")" + s + "?"];
      },
      torch: (p) => {
        const s = p.start_factor === null ? "1 / " + p.warmup_steps : fl(p.start_factor);
        const w = p.warmup_steps;
        // PyTorch's LinearLR needs start_factor > 0; a zero start is a LambdaLR.
        if (p.shape === "linear" && p.start_factor !== 0) return [p.base_lr, torchSched + "LinearLR(optimizer, start_factor=" + s + ", end_factor=1.0, total_iters=" + w + ")"];
        if (p.shape === "linear") return [p.base_lr, torchSched + "LambdaLR(optimizer, lambda step: min(step, " + w + ") / " + w + ")"];
        return [p.base_lr, torchSched + "LambdaLR(optimizer, lambda step: s + (1 - s) * (1 - math.cos(math.pi * min(step, " + w + ") / " + w + ")) / 2)", "s = " + s];
      },
    },
    cosine_with_warmup: {
      label: "Linear warmup + cosine (cosine_with_warmup)", group: "Warmup", steps: 120,
      fields: [["base_lr", "peak learning rate η₀", "f", 0.1], ["warmup_steps", "warmup steps w", "i", 10], ["total_steps", "total steps", "i", 100], ["eta_min", "eta_min", "f", 0]],
      rust: (p) => ["cosine_with_warmup", "cosine_with_warmup(" + fl(p.base_lr) + ", " + p.warmup_steps + ", " + p.total_steps + ", " + fl(p.eta_min) + ")?"],
      torch: (p) => [p.base_lr, torchSched + "SequentialLR(optimizer, [\n    " + torchSched + "LinearLR(optimizer, start_factor=1 / " + p.warmup_steps + ", end_factor=1.0, total_iters=" + p.warmup_steps + "),\n    " +
        torchSched + "CosineAnnealingLR(optimizer, T_max=" + (p.total_steps - p.warmup_steps) + ", eta_min=" + fl(p.eta_min) + "),\n], milestones=[" + p.warmup_steps + "])"],
    },
    one_cycle: {
      label: "One-cycle (OneCycleLR)", group: "Cycles", steps: 101,
      fields: [["max_lr", "max_lr", "f", 0.1], ["total_steps", "total_steps", "i", 100], ["pct_start", "pct_start", "f", 0.3],
        ["anneal_strategy", "anneal_strategy", "sel", "cos", ["cos", "linear"]], ["div_factor", "div_factor", "f", 25], ["final_div_factor", "final_div_factor", "f", 1e4],
        ["three_phase", "three_phase", "bool", false], ["cycle_momentum", "cycle_momentum", "bool", true], ["base_momentum", "base_momentum", "f", 0.85], ["max_momentum", "max_momentum", "f", 0.95]],
      rust: (p) => {
        const fields = [
          ["pct_start", fl(p.pct_start), p.pct_start !== 0.3],
          ["anneal_strategy", p.anneal_strategy === "cos" ? "AnnealStrategy::Cos" : "AnnealStrategy::Linear", p.anneal_strategy !== "cos"],
          ["div_factor", fl(p.div_factor), p.div_factor !== 25],
          ["final_div_factor", fl(p.final_div_factor), p.final_div_factor !== 1e4],
          ["three_phase", String(p.three_phase), p.three_phase],
          ["cycle_momentum", String(p.cycle_momentum), !p.cycle_momentum],
          ["base_momentum", fl(p.base_momentum), p.base_momentum !== 0.85],
          ["max_momentum", fl(p.max_momentum), p.max_momentum !== 0.95],
        ];
        const names = ["OneCycleConfig", "OneCycleLr"].concat(p.anneal_strategy !== "cos" ? ["AnnealStrategy"] : []);
        return [names.join(", "), call("OneCycleLr::new", [fl(p.max_lr), String(p.total_steps), config("OneCycleConfig", fields)])];
      },
      torch: (p) => [p.max_lr, torchSched + "OneCycleLR(optimizer, max_lr=" + fl(p.max_lr) + ", total_steps=" + p.total_steps + kwargs([
        ["pct_start", fl(p.pct_start), p.pct_start !== 0.3],
        ["anneal_strategy", q(p.anneal_strategy), p.anneal_strategy !== "cos"],
        ["cycle_momentum", py(p.cycle_momentum), !p.cycle_momentum],
        ["base_momentum", fl(p.base_momentum), p.base_momentum !== 0.85],
        ["max_momentum", fl(p.max_momentum), p.max_momentum !== 0.95],
        ["div_factor", fl(p.div_factor), p.div_factor !== 25],
        ["final_div_factor", fl(p.final_div_factor), p.final_div_factor !== 1e4],
        ["three_phase", py(p.three_phase), p.three_phase],
      ]) + ")"],
    },
    linear_one_cycle: {
      label: "Linear one-cycle", group: "Cycles", steps: 120,
      fields: [["min_lr", "min learning rate", "f", 0.004], ["max_lr", "max learning rate", "f", 0.1], ["total_steps", "total steps", "i", 100]],
      rust: (p) => ["LinearOneCycle", "LinearOneCycle::new(" + fl(p.min_lr) + ", " + fl(p.max_lr) + ", " + p.total_steps + ")?"],
      torch: (p) => [p.min_lr, torchSched + "LambdaLR(optimizer, lambda step: 1 + (" + fl(p.max_lr) + " / " + fl(p.min_lr) +
        " - 1) * (1 - abs(min(step, " + p.total_steps + ") / half - 1)))", "half = " + p.total_steps + " / 2"],
    },
    cyclic: {
      label: "Cyclic (CyclicLR)", group: "Cycles", steps: 300,
      fields: [["base_lr", "base_lr", "f", 0.001], ["max_lr", "max_lr", "f", 0.1], ["step_size_up", "step_size_up", "i", 20], ["step_size_down", "step_size_down (blank: = up)", "iopt", null],
        ["mode", "mode", "sel", "triangular", ["triangular", "triangular2", "exp_range"]], ["gamma", "gamma (exp_range)", "f", 1],
        ["cycle_momentum", "cycle_momentum", "bool", true], ["base_momentum", "base_momentum", "f", 0.8], ["max_momentum", "max_momentum", "f", 0.9]],
      rust: (p) => {
        const mode = { triangular: "Triangular", triangular2: "Triangular2", exp_range: "ExpRange" }[p.mode];
        const fields = [
          ["step_size_down", p.step_size_down === null ? "None" : "Some(" + p.step_size_down + ")", p.step_size_down !== null],
          ["mode", "CyclicMode::" + mode, p.mode !== "triangular"],
          ["gamma", fl(p.gamma), p.gamma !== 1],
          ["cycle_momentum", String(p.cycle_momentum), !p.cycle_momentum],
          ["base_momentum", fl(p.base_momentum), p.base_momentum !== 0.8],
          ["max_momentum", fl(p.max_momentum), p.max_momentum !== 0.9],
        ];
        const names = ["CyclicConfig", "CyclicLr"].concat(p.mode !== "triangular" ? ["CyclicMode"] : []);
        return [names.join(", "), call("CyclicLr::new", [fl(p.base_lr), fl(p.max_lr), String(p.step_size_up), config("CyclicConfig", fields)])];
      },
      torch: (p) => [p.base_lr, torchSched + "CyclicLR(optimizer, base_lr=" + fl(p.base_lr) + ", max_lr=" + fl(p.max_lr) + ", step_size_up=" + p.step_size_up + kwargs([
        ["step_size_down", String(p.step_size_down), p.step_size_down !== null],
        ["mode", q(p.mode), p.mode !== "triangular"],
        ["gamma", fl(p.gamma), p.gamma !== 1],
        ["cycle_momentum", py(p.cycle_momentum), !p.cycle_momentum],
        ["base_momentum", fl(p.base_momentum), p.base_momentum !== 0.8],
        ["max_momentum", fl(p.max_momentum), p.max_momentum !== 0.9],
      ]) + ")"],
    },
    plateau: {
      label: "ReduceLROnPlateau (on a sample loss curve)", group: "Feedback", steps: 200,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["mode", "mode", "sel", "min", ["min", "max"]], ["factor", "factor", "f", 0.5], ["patience", "patience", "i", 3],
        ["threshold", "threshold", "f", 0.01], ["threshold_mode", "threshold_mode", "sel", "rel", ["rel", "abs"]], ["cooldown", "cooldown", "i0", 2],
        ["min_lr", "min_lr", "f", 1e-4], ["eps", "eps", "f", 1e-8]],
      toParams: (p, steps) => Object.assign({}, p, { metrics: sampleLoss(steps, p.mode) }),
      rust: (p) => {
        const fields = [
          ["mode", p.mode === "min" ? "PlateauMode::Min" : "PlateauMode::Max", p.mode !== "min"],
          ["factor", fl(p.factor), p.factor !== 0.1],
          ["patience", String(p.patience), p.patience !== 10],
          ["threshold", fl(p.threshold), p.threshold !== 1e-4],
          ["threshold_mode", p.threshold_mode === "rel" ? "ThresholdMode::Rel" : "ThresholdMode::Abs", p.threshold_mode !== "rel"],
          ["cooldown", String(p.cooldown), p.cooldown !== 0],
          ["min_lr", fl(p.min_lr), p.min_lr !== 0],
          ["eps", fl(p.eps), p.eps !== 1e-8],
        ];
        const names = ["PlateauConfig", "ReduceLrOnPlateau"].concat(p.mode !== "min" ? ["PlateauMode"] : [], p.threshold_mode !== "rel" ? ["ThresholdMode"] : []);
        return [names.join(", "), call("ReduceLrOnPlateau::new", [fl(p.base_lr), config("PlateauConfig", fields)]) + ";\n// once per evaluation: let lr = schedule.step(loss);", "let mut schedule"];
      },
      torch: (p) => [p.base_lr, torchSched + "ReduceLROnPlateau(optimizer" + kwargs([
        ["mode", q(p.mode), p.mode !== "min"],
        ["factor", fl(p.factor), p.factor !== 0.1],
        ["patience", String(p.patience), p.patience !== 10],
        ["threshold", fl(p.threshold), p.threshold !== 1e-4],
        ["threshold_mode", q(p.threshold_mode), p.threshold_mode !== "rel"],
        ["cooldown", String(p.cooldown), p.cooldown !== 0],
        ["min_lr", fl(p.min_lr), p.min_lr !== 0],
        ["eps", fl(p.eps), p.eps !== 1e-8],
      ]) + ")\n# once per evaluation: scheduler.step(loss)"],
    },
    sequential: {
      label: "Sequential: LinearLR, then cosine (SequentialLR)", group: "Composition", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["start_factor", "LinearLR start_factor", "f", 0.1], ["milestone", "milestone (LinearLR's total_iters)", "i", 10],
        ["t_max", "cosine T_max", "i", 90], ["eta_min", "cosine eta_min", "f", 0]],
      toParams: (p) => ({
        base_lr: p.base_lr, milestones: [p.milestone],
        parts: [{ kind: "linear", start_factor: p.start_factor, end_factor: 1, total_iters: p.milestone }, { kind: "cosine", t_max: p.t_max, eta_min: p.eta_min }],
      }),
      rust: (p) => ["CosineAnnealingLr, LinearLr, Sequential", "Sequential::new(\n    vec![\n        Box::new(LinearLr::new(" + fl(p.base_lr) + ", " + fl(p.start_factor) + ", 1.0, " + p.milestone + ")?),\n" +
        "        Box::new(CosineAnnealingLr::new(" + fl(p.base_lr) + ", " + p.t_max + ", " + fl(p.eta_min) + ")?),\n    ],\n    vec![" + p.milestone + "],\n)?"],
      torch: (p) => [p.base_lr, torchSched + "SequentialLR(optimizer, [\n    " + torchSched + "LinearLR(optimizer, start_factor=" + fl(p.start_factor) + ", end_factor=1.0, total_iters=" + p.milestone + "),\n    " +
        torchSched + "CosineAnnealingLR(optimizer, T_max=" + p.t_max + ", eta_min=" + fl(p.eta_min) + "),\n], milestones=[" + p.milestone + "])"],
    },
    chained: {
      label: "Chained: LinearLR × ExponentialLR (ChainedScheduler)", group: "Composition", steps: 300,
      fields: [["base_lr", "base learning rate η₀", "f", 0.1], ["start_factor", "LinearLR start_factor", "f", 0.25], ["total_iters", "LinearLR total_iters", "i", 8], ["gamma", "ExponentialLR gamma", "f", 0.98]],
      toParams: (p) => ({
        base_lr: p.base_lr,
        parts: [{ kind: "linear", start_factor: p.start_factor, end_factor: 1, total_iters: p.total_iters }, { kind: "exponential", gamma: p.gamma }],
      }),
      rust: (p) => ["Chained, ExponentialLr, LinearLr", "Chained::new(vec![\n    Box::new(LinearLr::new(" + fl(p.base_lr) + ", " + fl(p.start_factor) + ", 1.0, " + p.total_iters + ")?),\n" +
        "    Box::new(ExponentialLr::new(" + fl(p.base_lr) + ", " + fl(p.gamma) + ")?),\n])?"],
      torch: (p) => [p.base_lr, torchSched + "ChainedScheduler([\n    " + torchSched + "LinearLR(optimizer, start_factor=" + fl(p.start_factor) + ", end_factor=1.0, total_iters=" + p.total_iters + "),\n    " +
        torchSched + "ExponentialLR(optimizer, gamma=" + fl(p.gamma) + "),\n])"],
    },
  };

  // The sample loss the plateau rule watches: the metric of the fixture's first plateau cases
  // (scripts/reference/schedules.py): it falls, flattens, rises after step 120, with noise.
  function sampleLoss(n, mode) {
    const out = [];
    for (let k = 0; k < n; k++) {
      const base = 1 / (1 + 0.05 * Math.min(k, 40)) + (k > 120 ? 0.002 * (k - 120) : 0);
      const m = base + 0.01 * Math.sin(1.7 * k) * (Math.floor(k / 25) % 2 ? 1 : 0.2);
      out.push(mode === "max" ? 1 - m : m);
    }
    return out;
  }

  /** The Rust and PyTorch code for a kind and its UI parameters. */
  function code(kind, p) {
    const spec = KINDS[kind];
    const [names, expr, binding] = spec.rust(p);
    const sorted = names.split(", ").sort((a, b) => a.localeCompare(b, "en", { sensitivity: "base" })).join(", ");
    const useLine = "use lrbook::schedule::" + (sorted.includes(",") ? "{" + sorted + "}" : sorted) + ";";
    const [lr, line, preamble] = spec.torch(p);
    return {
      rust: useLine + "\n" + (binding || "let schedule") + " = " + expr + (expr.endsWith(";") || expr.includes(";\n") ? "" : ";"),
      torch: (line.includes("math.") ? "import math\n" : "") + optimizerLine(lr) + "\n" + (preamble ? preamble + "\n" : "") + "scheduler = " + line,
    };
  }

  window.lrExplorer = { evaluate: evaluate, code: code, kinds: KINDS, sampleLoss: sampleLoss };

  // --- the widget -----------------------------------------------------------------------
  const root = document.getElementById("lr-explorer");
  if (!root) return;
  const groups = [];
  Object.keys(KINDS).forEach((k) => { if (!groups.includes(KINDS[k].group)) groups.push(KINDS[k].group); });
  root.innerHTML =
    '<div class="lrx-top">' +
    '<label class="lrx-field lrx-kind">schedule <select id="lrx-kind">' +
    groups.map((g) => '<optgroup label="' + g + '">' + Object.keys(KINDS).filter((k) => KINDS[k].group === g)
      .map((k) => '<option value="' + k + '">' + KINDS[k].label + "</option>").join("") + "</optgroup>").join("") +
    "</select></label>" +
    '<label class="lrx-field">steps <input id="lrx-steps" type="number" min="1" max="5000" step="1" inputmode="numeric"></label>' +
    '<label class="lrx-check"><input id="lrx-log" type="checkbox"> log-scale η axis</label>' +
    "</div>" +
    '<fieldset class="lrx-params"><legend>parameters</legend><div id="lrx-fields"></div></fieldset>' +
    '<p id="lrx-error" class="lrx-error" role="alert" hidden></p>' +
    '<p id="lrx-note" class="lrx-note" hidden></p>' +
    '<canvas id="lrx-lr-canvas" role="img" aria-label="learning rate against step"></canvas>' +
    '<canvas id="lrx-mom-canvas" role="img" aria-label="momentum against step" hidden></canvas>' +
    '<div class="lrx-values"><p id="lrx-values-title" class="lrx-values-title">Values at chosen steps (the float64 in its shortest round-trip form)</p>' +
    '<table aria-labelledby="lrx-values-title">' +
    '<thead><tr><th scope="col">step</th><th scope="col">η</th><th scope="col" class="lrx-mom-col">momentum</th></tr></thead><tbody id="lrx-rows"></tbody></table>' +
    '<label class="lrx-field">η at step <input id="lrx-at" type="number" min="0" step="1" value="0" inputmode="numeric"></label> ' +
    '<output id="lrx-at-value" for="lrx-at"></output></div>' +
    '<p class="lrx-code-title">Rust (lrbook)</p><pre class="lrx-code"><code id="lrx-rust"></code></pre>' +
    '<p class="lrx-code-title">PyTorch</p><pre class="lrx-code"><code id="lrx-torch"></code></pre>';

  const $ = (id) => document.getElementById(id);
  const kindSelect = $("lrx-kind"), stepsInput = $("lrx-steps"), logBox = $("lrx-log");
  const fieldsBox = $("lrx-fields"), errorBox = $("lrx-error"), noteBox = $("lrx-note");
  const lrCanvas = $("lrx-lr-canvas"), momCanvas = $("lrx-mom-canvas");
  let last = null;

  function buildForm(kind) {
    const spec = KINDS[kind];
    fieldsBox.innerHTML = "";
    spec.fields.forEach(([key, label, type, def, options]) => {
      const wrap = document.createElement("label");
      wrap.className = type === "bool" ? "lrx-check" : "lrx-field";
      let input;
      if (type === "sel") {
        input = document.createElement("select");
        options.forEach((o) => { const e = document.createElement("option"); e.value = o; e.textContent = o; input.appendChild(e); });
        input.value = def;
      } else if (type === "bool") {
        input = document.createElement("input");
        input.type = "checkbox";
        input.checked = def;
      } else {
        input = document.createElement("input");
        input.type = "text";
        input.inputMode = type === "f" || type === "opt" ? "decimal" : "numeric";
        input.value = def === null ? "" : Array.isArray(def) ? def.join(", ") : String(def);
        input.spellcheck = false;
      }
      input.id = "lrx-" + key;
      input.dataset.type = type;
      if (type === "bool") { wrap.appendChild(input); wrap.appendChild(document.createTextNode(" " + label)); }
      else { wrap.appendChild(document.createTextNode(label + " ")); wrap.appendChild(input); }
      fieldsBox.appendChild(wrap);
    });
    stepsInput.value = spec.steps;
  }

  // The form's values, typed; a value that does not parse is reported by name.
  function readForm(kind) {
    const p = {};
    KINDS[kind].fields.forEach(([key, label, type]) => {
      const el = $("lrx-" + key);
      const text = el.value.trim();
      const num = (s) => (s === "" ? NaN : Number(s));
      if (type === "f") p[key] = num(text);
      else if (type === "i" || type === "i0") p[key] = num(text);
      else if (type === "opt") p[key] = text === "" ? null : num(text);
      else if (type === "iopt") p[key] = text === "" ? null : num(text);
      else if (type === "list") p[key] = text === "" ? [] : text.split(/[\s,]+/).filter(Boolean).map(Number);
      else if (type === "sel") p[key] = el.value;
      else if (type === "bool") p[key] = el.checked;
      if ((type === "i" || type === "i0" || type === "iopt" || type === "list") && p[key] !== null) {
        const bad = [].concat(p[key]).find((x) => !Number.isInteger(x) || x < 0);
        if (bad !== undefined) invalid(label, "got " + (text || "nothing") + ", but it must be a whole number");
      }
      if ((type === "f" || type === "opt") && p[key] !== null && Number.isNaN(p[key])) invalid(label, "got " + (text || "nothing") + ", which is not a number");
    });
    return p;
  }

  const fmt = (x) => (x === null || x === undefined ? "—" : String(x));

  function render() {
    const kind = kindSelect.value;
    root.dataset.kind = kind;
    let p, steps, result;
    try {
      p = readForm(kind);
      steps = Number(stepsInput.value);
      if (!Number.isInteger(steps) || steps < 1 || steps > 5000) invalid("steps", "got " + stepsInput.value + ", but it must be a whole number from 1 to 5000");
      const spec = KINDS[kind];
      result = evaluate(kind, spec.toParams ? spec.toParams(p, steps) : p, steps);
      errorBox.hidden = true;
      root.classList.remove("lrx-invalid");
      root.dataset.error = "";
    } catch (e) {
      errorBox.textContent = "The library would refuse these parameters (the constructor returns Err): " + e.message;
      errorBox.hidden = false;
      root.classList.add("lrx-invalid"); // the last valid curve stays, greyed out
      root.dataset.error = e.message;
      root.dataset.done = "1";
      return;
    }
    const c = code(kind, p);
    $("lrx-rust").textContent = c.rust;
    $("lrx-torch").textContent = c.torch;
    if (result.lastStep !== null && steps > result.lastStep + 1) {
      noteBox.textContent = "Steps past total_steps = " + result.lastStep + ": PyTorch raises there, and so does lrbook's try_lr (apply); lr() holds the last value, drawn here.";
      noteBox.hidden = false;
    } else {
      noteBox.hidden = true;
    }
    last = { kind: kind, steps: steps, result: result };
    // Values at chosen steps.
    const picks = [...new Set([0, 1, Math.floor(steps / 4), Math.floor(steps / 2), Math.floor((3 * steps) / 4), steps - 1])].filter((k) => k < steps).sort((a, b) => a - b);
    const hasMom = !!result.momenta;
    root.classList.toggle("lrx-has-momentum", hasMom);
    $("lrx-rows").innerHTML = picks.map((k) => '<tr data-step="' + k + '"><td>' + k + '</td><td class="lrx-lr">' + fmt(result.lrs[k]) +
      '</td><td class="lrx-mom lrx-mom-col">' + (hasMom ? fmt(result.momenta[k]) : "") + "</td></tr>").join("");
    $("lrx-at").max = String(steps - 1);
    if (Number($("lrx-at").value) >= steps) $("lrx-at").value = String(steps - 1);
    showAt();
    draw(lrCanvas, result.lrs, "η", logBox.checked, "#0072B2", true);
    // The second curve: the momentum, or for plateau the loss the rule watches.
    const second = hasMom ? result.momenta : kind === "plateau" ? KINDS.plateau.toParams(p, steps).metrics : null;
    momCanvas.hidden = !second;
    momCanvas.setAttribute("aria-label", hasMom ? "momentum against step" : "the sample loss the plateau rule watches, against step");
    if (second) draw(momCanvas, second, hasMom ? "momentum" : "the sample loss the rule watches (" + p.mode + " mode)", false, hasMom ? "#D55E00" : "#555", false);
    root.dataset.done = "1";
  }

  function showAt() {
    const out = $("lrx-at-value");
    if (!last) return;
    const k = Number($("lrx-at").value);
    if (!Number.isInteger(k) || k < 0 || k >= last.steps) { out.textContent = "(a step from 0 to " + (last.steps - 1) + ")"; return; }
    const m = last.result.momenta;
    out.textContent = "η = " + fmt(last.result.lrs[k]) + (m ? ", momentum = " + fmt(m[k]) : "");
  }

  // "Nice" tick values for a linear axis.
  function ticks(lo, hi, n) {
    const span = hi - lo || Math.abs(hi) || 1;
    const raw = span / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((f) => f * mag).find((s) => span / s <= n) || 10 * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  const tickLabel = (v) => (v === 0 ? "0" : Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4 ? String(Number(v.toPrecision(6))) : v.toExponential(0));

  // Draws one curve (values against step) at the canvas's CSS width; zeros are left out on a log axis.
  function draw(canvas, ys, name, log, color, fromZero) {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.max(260, Math.round(canvas.clientWidth || canvas.parentElement.clientWidth || 600));
    const h = canvas === lrCanvas ? (w < 500 ? 230 : 300) : (w < 500 ? 150 : 180);
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.height = h + "px";
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    const font = w < 500 ? 12 : 13;
    ctx.font = font + "px sans-serif";
    const vals = ys.filter((y) => Number.isFinite(y) && (!log || y > 0));
    if (!vals.length) return;
    let lo = Math.min(...vals), hi = Math.max(...vals);
    const tf = log ? (y) => Math.log10(y) : (y) => y;
    let a = tf(lo), b = tf(hi);
    if (!log && fromZero) a = Math.min(a, 0);
    if (log && b - a > 1) { a = Math.floor(a + 1e-9); b = Math.ceil(b - 1e-9); } // whole decades
    if (b - a < 1e-12 * Math.max(1, Math.abs(b))) { const d = log ? 0.5 : Math.abs(b) * 0.1 || 1; a -= d; b += d; }
    // Log axis: powers of ten (every few when there are many), or plain ticks within a decade.
    const yt = log
      ? (() => {
          const out = [], every = Math.max(1, Math.ceil((b - a) / 7));
          for (let e = Math.ceil(a - 1e-9); e <= b + 1e-9; e++) if (e % every === 0) out.push(Math.pow(10, e));
          return out.length >= 2 ? out : ticks(lo, hi, 4).filter((v) => v > 0);
        })()
      : ticks(a, b, 5);
    const labels = yt.map(tickLabel);
    const left = 10 + Math.max(...labels.map((s) => ctx.measureText(s).width)), right = 12, top = 22, bottom = 34;
    const pw = w - left - right, ph = h - top - bottom;
    const n = ys.length;
    const X = (k) => left + (n > 1 ? (k / (n - 1)) * pw : pw / 2);
    const Y = (y) => top + ph - ((tf(y) - a) / (b - a)) * ph;
    ctx.strokeStyle = "#e4e4e4"; ctx.lineWidth = 1; ctx.fillStyle = "#333"; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    yt.forEach((v, i) => {
      const y = Y(v);
      if (y < top - 1 || y > top + ph + 1) return;
      ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + pw, y); ctx.stroke();
      ctx.fillText(labels[i], left - 4, y);
    });
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    ticks(0, Math.max(1, n - 1), w < 500 ? 4 : 8).forEach((k) => {
      if (!Number.isInteger(k)) return;
      const x = X(k);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + ph); ctx.stroke();
      ctx.fillText(String(k), x, top + ph + 4);
    });
    ctx.strokeStyle = "#888"; ctx.strokeRect(left, top, pw, ph);
    ctx.textAlign = "left"; ctx.textBaseline = "alphabetic";
    ctx.fillText(name + (log ? " (log scale)" : ""), left, top - 7);
    ctx.textAlign = "right";
    ctx.fillText("step", left + pw, h - 3);
    // The curve; a step change is drawn as a jump (each value holds for one step).
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.beginPath();
    let pen = false;
    ys.forEach((y, k) => {
      if (!Number.isFinite(y) || (log && y <= 0)) { pen = false; return; }
      if (pen) ctx.lineTo(X(k), Y(y)); else ctx.moveTo(X(k), Y(y));
      pen = true;
    });
    ctx.stroke();
  }

  kindSelect.addEventListener("change", () => { buildForm(kindSelect.value); render(); });
  root.addEventListener("input", (e) => { if (e.target.id === "lrx-at") showAt(); else if (e.target !== kindSelect) render(); });
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(render, 100); });
  kindSelect.value = "one_cycle";
  buildForm(kindSelect.value);
  render();
  root.dataset.ready = "1";
})();
