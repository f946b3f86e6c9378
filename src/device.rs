//! Choosing where tensors live (`--device auto|cpu|cuda`), seeding and thread count.
use std::fmt;
use std::str::FromStr;

use tch::{Cuda, Device};

use crate::{Error, Result};

/// The user's device request, as given by `--device`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceChoice {
    /// CUDA if a GPU is visible, else CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// The first CUDA GPU; an error if there is none.
    Cuda,
}

impl FromStr for DeviceChoice {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" | "gpu" | "cuda:0" => Ok(DeviceChoice::Cuda),
            other => Err(Error::invalid(
                "device",
                format!("got '{other}'"),
                "Use one of: auto, cpu, cuda.",
            )),
        }
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeviceChoice::Auto => "auto",
            DeviceChoice::Cpu => "cpu",
            DeviceChoice::Cuda => "cuda",
        })
    }
}

impl DeviceChoice {
    /// The concrete device, or an error that says why CUDA cannot be used.
    pub fn resolve(self) -> Result<Device> {
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto => Ok(Device::cuda_if_available()),
            DeviceChoice::Cuda if Cuda::is_available() => Ok(Device::Cuda(0)),
            DeviceChoice::Cuda => Err(Error::Device(
                "--device cuda was requested, but libtorch sees no CUDA GPU on this machine \
                 (no GPU, no NVIDIA driver, or a CPU-only libtorch). Use --device cpu, or \
                 --device auto to take a GPU only when there is one."
                    .into(),
            )),
        }
    }
}

/// A short human name for a device, for logs and report headers.
pub fn describe(device: Device) -> String {
    match device {
        Device::Cpu => match tch::get_num_threads() {
            1 => "CPU (1 thread)".to_string(),
            n => format!("CPU ({n} threads)"),
        },
        Device::Cuda(i) => format!("CUDA:{i}"),
        other => format!("{other:?}"),
    }
}

/// Makes CUDA runs repeat exactly, at some cost in speed: turns cuDNN off, so that
/// convolutions run libtorch's own CUDA kernels (im2col and cuBLAS products, whose backward
/// passes sum in a fixed order) instead of cuDNN's, which by default may use TF32 and pick
/// nondeterministic backward algorithms. cuBLAS products themselves do not use TF32 unless
/// asked to. `on = false` restores libtorch's defaults. No effect on the CPU path.
///
/// The process-wide cuDNN switch is the only such control tch exposes: there is no binding
/// for `torch.use_deterministic_algorithms` or the TF32 flags.
pub fn cuda_deterministic(on: bool) {
    Cuda::set_user_enabled_cudnn(!on);
    Cuda::cudnn_set_benchmark(false);
}

/// Whether CUDA checks must run rather than skip: `LRBOOK_REQUIRE_CUDA` set to anything but
/// empty or `0`, as `make test-cuda` sets it, turns a missing GPU into a test failure.
pub fn cuda_required() -> bool {
    std::env::var("LRBOOK_REQUIRE_CUDA").is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Seeds libtorch's generators (CPU and CUDA) so that runs repeat exactly on one device.
pub fn seed(seed: u64) {
    tch::manual_seed(seed as i64);
}

/// Fixes libtorch's intra-op thread count. Tests use 1 so reductions sum in one order.
pub fn set_threads(threads: usize) {
    tch::set_num_threads(threads.max(1) as i32);
}

/// libtorch's random generator is global to the process: code that seeds it and then draws
/// from it (model initialisation, noise) is reproducible only if no other thread draws in
/// between. Hold this guard over such a section when several threads may run experiments
/// at once, as the tests of one test binary do.
pub fn rng_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snapshots hold only under the code-path pin in `.cargo/config.toml`: libtorch
    /// draws different initial weights from one seed under AVX-512 than under AVX2, and MKL's
    /// products round differently from one processor to another unless pinned.
    #[test]
    fn cpu_code_paths_are_pinned_through_cargo() {
        assert_eq!(std::env::var("ATEN_CPU_CAPABILITY").as_deref(), Ok("avx2"));
        assert_eq!(std::env::var("MKL_CBWR").as_deref(), Ok("COMPATIBLE"));
    }

    #[test]
    fn the_deterministic_switch_turns_cudnn_off_and_back_on() {
        cuda_deterministic(true);
        assert!(!Cuda::user_enabled_cudnn());
        cuda_deterministic(false);
        assert!(Cuda::user_enabled_cudnn());
    }

    #[test]
    fn parses_the_three_choices_and_rejects_others() {
        assert_eq!("auto".parse::<DeviceChoice>().unwrap(), DeviceChoice::Auto);
        assert_eq!("CPU".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cpu);
        assert_eq!("cuda".parse::<DeviceChoice>().unwrap(), DeviceChoice::Cuda);
        let msg = "tpu".parse::<DeviceChoice>().unwrap_err().to_string();
        assert!(
            msg.contains("got 'tpu'") && msg.contains("auto, cpu, cuda"),
            "{msg}"
        );
    }

    #[test]
    fn cuda_without_a_gpu_is_an_error_that_says_so() {
        assert!(
            Cuda::is_available() || !cuda_required(),
            "LRBOOK_REQUIRE_CUDA is set but libtorch sees no CUDA GPU"
        );
        if Cuda::is_available() {
            assert_eq!(DeviceChoice::Cuda.resolve().unwrap(), Device::Cuda(0));
        } else {
            let msg = DeviceChoice::Cuda.resolve().unwrap_err().to_string();
            assert!(
                msg.contains("no CUDA GPU") && msg.contains("--device cpu"),
                "{msg}"
            );
            assert_eq!(DeviceChoice::Auto.resolve().unwrap(), Device::Cpu);
        }
    }
}
