//! Resource quantities in integer units, as Kubernetes accounts them.
//!
//! CPU in millicores, memory in bytes, whole GPUs (`nvidia.com/gpu`) and a GPU share in
//! thousandths of one GPU (time-slicing or MIG-like slices). Integers keep the scheduler's
//! arithmetic exact: a request fits or it does not, with no rounding at the boundary.

use std::ops::{Add, AddAssign, Mul};

/// Bytes in one KiB.
pub const KIB: u64 = 1024;
/// Bytes in one MiB.
pub const MIB: u64 = 1024 * KIB;
/// Bytes in one GiB.
pub const GIB: u64 = 1024 * MIB;
/// Hours in the average month (8760 / 12), used for every monthly cost.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// What a pod requests, or what a node offers, in scheduler units.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Resources {
    /// CPU in millicores (1000 = one core).
    pub cpu_milli: u64,
    /// Memory in bytes.
    pub memory_bytes: u64,
    /// Whole GPUs.
    pub gpus: u32,
    /// A share of one GPU in thousandths (0 when the pod asks for whole GPUs or none).
    pub gpu_milli: u32,
}

impl Resources {
    /// Nothing.
    pub const ZERO: Resources = Resources {
        cpu_milli: 0,
        memory_bytes: 0,
        gpus: 0,
        gpu_milli: 0,
    };

    /// CPU and memory only.
    pub const fn cpu_mem(cpu_milli: u64, memory_bytes: u64) -> Self {
        Resources {
            cpu_milli,
            memory_bytes,
            gpus: 0,
            gpu_milli: 0,
        }
    }

    /// `self + o`, or `None` on overflow.
    pub fn checked_add(self, o: Resources) -> Option<Resources> {
        Some(Resources {
            cpu_milli: self.cpu_milli.checked_add(o.cpu_milli)?,
            memory_bytes: self.memory_bytes.checked_add(o.memory_bytes)?,
            gpus: self.gpus.checked_add(o.gpus)?,
            gpu_milli: self.gpu_milli.checked_add(o.gpu_milli)?,
        })
    }

    /// `self − o`, clamped at zero per resource.
    pub fn saturating_sub(self, o: Resources) -> Resources {
        Resources {
            cpu_milli: self.cpu_milli.saturating_sub(o.cpu_milli),
            memory_bytes: self.memory_bytes.saturating_sub(o.memory_bytes),
            gpus: self.gpus.saturating_sub(o.gpus),
            gpu_milli: self.gpu_milli.saturating_sub(o.gpu_milli),
        }
    }

    /// GPUs as a real number: whole GPUs plus the share.
    pub fn gpu_equivalent(&self) -> f64 {
        f64::from(self.gpus) + f64::from(self.gpu_milli) / 1000.0
    }

    /// Whether it requests any GPU.
    pub fn wants_gpu(&self) -> bool {
        self.gpus > 0 || self.gpu_milli > 0
    }
}

impl Add for Resources {
    type Output = Resources;
    /// Saturating per resource (scenario bounds keep real sums far below `u64::MAX`).
    fn add(self, o: Resources) -> Resources {
        Resources {
            cpu_milli: self.cpu_milli.saturating_add(o.cpu_milli),
            memory_bytes: self.memory_bytes.saturating_add(o.memory_bytes),
            gpus: self.gpus.saturating_add(o.gpus),
            gpu_milli: self.gpu_milli.saturating_add(o.gpu_milli),
        }
    }
}

impl AddAssign for Resources {
    fn add_assign(&mut self, o: Resources) {
        *self = *self + o;
    }
}

impl Mul<u64> for Resources {
    type Output = Resources;
    /// Saturating.
    fn mul(self, k: u64) -> Resources {
        let k32 = u32::try_from(k).unwrap_or(u32::MAX);
        Resources {
            cpu_milli: self.cpu_milli.saturating_mul(k),
            memory_bytes: self.memory_bytes.saturating_mul(k),
            gpus: self.gpus.saturating_mul(k32),
            gpu_milli: self.gpu_milli.saturating_mul(k32),
        }
    }
}

/// Bytes as GiB for reports.
pub fn gib(bytes: u64) -> f64 {
    bytes as f64 / GIB as f64
}

/// Millicores as vCPU for reports.
pub fn vcpu(milli: u64) -> f64 {
    milli as f64 / 1000.0
}

/// CPU and memory actually consumed (as opposed to requested), in fractional units because usage
/// models produce averages.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// CPU in millicores.
    pub cpu_milli: f64,
    /// Memory in bytes.
    pub memory_bytes: f64,
}

impl Add for Usage {
    type Output = Usage;
    fn add(self, o: Usage) -> Usage {
        Usage {
            cpu_milli: self.cpu_milli + o.cpu_milli,
            memory_bytes: self.memory_bytes + o.memory_bytes,
        }
    }
}

impl AddAssign for Usage {
    fn add_assign(&mut self, o: Usage) {
        *self = *self + o;
    }
}

impl Mul<f64> for Usage {
    type Output = Usage;
    fn mul(self, k: f64) -> Usage {
        Usage {
            cpu_milli: self.cpu_milli * k,
            memory_bytes: self.memory_bytes * k,
        }
    }
}
