//! Per-runtime timing presets for the builtin handler.
//!
//! Init and first-invoke durations are lambda-perf's published means (maxday/lambda-perf,
//! `data/last.json` generated 2026-08-22, hello-world ZIP functions, x86_64) at 128 MB and
//! 1024 MB; other memory sizes interpolate on a log scale. lambda-perf measures no warm
//! invocations: warm durations are our assumption from the 1–4 ms hello-world handlers it
//! shows on cold invokes at 1024 MB (docs/lambda-facts.md §7).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Runtime {
    Nodejs,
    Python,
    Java,
    JavaSnapstart,
    Go,
    Rust,
    Dotnet,
}

/// Timing of one runtime: `[at 128 MB, at 1024 MB]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preset {
    /// Mean Init Duration (Restore Duration for SnapStart).
    pub init_ms: [f64; 2],
    /// Mean handler Duration of the first (cold) invoke: JIT and lazy loading land here.
    pub first_invoke_ms: [f64; 2],
    /// Mean handler Duration of a warm invoke.
    pub warm_ms: [f64; 2],
    /// Max Memory Used of a hello-world, MB.
    pub memory_used_mb: u32,
    /// `INIT_START Runtime Version:` as Lambda prints it.
    pub version: &'static str,
}

impl Runtime {
    pub const ALL: [Self; 7] = [
        Self::Nodejs,
        Self::Python,
        Self::Java,
        Self::JavaSnapstart,
        Self::Go,
        Self::Rust,
        Self::Dotnet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nodejs => "nodejs",
            Self::Python => "python",
            Self::Java => "java",
            Self::JavaSnapstart => "java-snapstart",
            Self::Go => "go",
            Self::Rust => "rust",
            Self::Dotnet => "dotnet",
        }
    }

    /// The runtime a process handler's command runs, from its program's name, so its
    /// `INIT_START` names the runtime Lambda would: `python3 -m awslambdaric ...` is
    /// Python, `npx aws-lambda-ric ...` Node.js, and a custom runtime's `bootstrap` is
    /// `provided.al2023` (Rust's preset; Go's prints the same).
    pub fn of_command(command: &[String]) -> Self {
        let program = command
            .iter()
            .flat_map(|arg| arg.split_whitespace())
            // The shell `--handler-cmd` runs through, `env` and its assignments.
            .find(|w| {
                !matches!(
                    *w,
                    "exec" | "-c" | "env" | "/bin/sh" | "sh" | "/usr/bin/env"
                ) && !w.contains('=')
            })
            .unwrap_or_default();
        let name = program.rsplit('/').next().unwrap_or(program);
        if name.starts_with("python") {
            Self::Python
        } else if matches!(name, "node" | "nodejs" | "npx" | "npm") {
            Self::Nodejs
        } else if name == "java" {
            Self::Java
        } else if name == "dotnet" {
            Self::Dotnet
        } else {
            Self::Rust
        }
    }

    /// SnapStart restores a snapshot instead of running Init: REPORT shows
    /// `Restore Duration` instead of `Init Duration`.
    pub fn is_snapstart(self) -> bool {
        self == Self::JavaSnapstart
    }

    pub fn preset(self) -> Preset {
        match self {
            // nodejs22.x: 137 / 10.5 ms at 128 MB, 140 / 3.1 ms at 1024 MB.
            Self::Nodejs => Preset {
                init_ms: [137.0, 140.0],
                first_invoke_ms: [10.5, 3.1],
                warm_ms: [2.0, 1.2],
                memory_used_mb: 68,
                version: "nodejs:22.v58",
            },
            // python3.13: 91 / 2.1 ms at 128 MB, 84 / 2.3 ms at 1024 MB.
            Self::Python => Preset {
                init_ms: [91.0, 84.0],
                first_invoke_ms: [2.1, 2.3],
                warm_ms: [1.4, 1.2],
                memory_used_mb: 41,
                version: "python:3.13.v44",
            },
            // java21: 242 / 89.5 ms at 128 MB, 235 / 6.7 ms at 1024 MB.
            Self::Java => Preset {
                init_ms: [242.0, 235.0],
                first_invoke_ms: [89.5, 6.7],
                warm_ms: [4.0, 1.5],
                memory_used_mb: 92,
                version: "java:21.v41",
            },
            // java21 SnapStart, Restore Duration (lambda-perf 2025-09-14): 1024 ms at
            // 128 MB and 742 ms at 1024 MB; first invoke 97 / 11 ms. Slower than plain
            // java21 for a hello-world (docs/lambda-facts.md §7).
            Self::JavaSnapstart => Preset {
                init_ms: [1024.0, 742.0],
                first_invoke_ms: [97.0, 11.0],
                warm_ms: [4.0, 1.5],
                memory_used_mb: 95,
                version: "java:21.v41",
            },
            // go on provided.al2023: 49 / 2.4 ms at 128 MB, 50 / 1.4 ms at 1024 MB.
            Self::Go => Preset {
                init_ms: [49.0, 50.0],
                first_invoke_ms: [2.4, 1.4],
                warm_ms: [1.1, 0.9],
                memory_used_mb: 22,
                version: "provided:al2023.v96",
            },
            // rust on provided.al2023: 16 / 1.2 ms at 128 MB, 15 / 1.1 ms at 1024 MB.
            Self::Rust => Preset {
                init_ms: [16.0, 15.0],
                first_invoke_ms: [1.2, 1.1],
                warm_ms: [1.0, 0.9],
                memory_used_mb: 16,
                version: "provided:al2023.v96",
            },
            // dotnet8 (managed): 248 / 715 ms at 128 MB, 238 / 75 ms at 1024 MB.
            Self::Dotnet => Preset {
                init_ms: [248.0, 238.0],
                first_invoke_ms: [715.0, 75.0],
                warm_ms: [5.0, 1.5],
                memory_used_mb: 85,
                version: "dotnet:8.v52",
            },
        }
    }
}

impl Preset {
    /// Interpolates `[at 128 MB, at 1024 MB]` for a memory size, on log scales (CPU
    /// share grows in proportion to memory), holding the end values outside the range.
    pub fn at_memory(pair: [f64; 2], memory_mb: u32) -> f64 {
        let t = ((f64::from(memory_mb) / 128.0).log2() / 3.0).clamp(0.0, 1.0);
        let [a, b] = pair;
        if a <= 0.0 || b <= 0.0 {
            return a + (b - a) * t;
        }
        (a.ln() + (b.ln() - a.ln()) * t).exp()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation_hits_the_measured_ends_and_stays_between() {
        let p = Runtime::Java.preset();
        assert!((Preset::at_memory(p.first_invoke_ms, 128) - 89.5).abs() < 1e-9);
        assert!((Preset::at_memory(p.first_invoke_ms, 1024) - 6.7).abs() < 1e-9);
        assert!((Preset::at_memory(p.first_invoke_ms, 10_240) - 6.7).abs() < 1e-9);
        let mid = Preset::at_memory(p.first_invoke_ms, 512);
        assert!(mid < 89.5 && mid > 6.7);
    }

    #[test]
    fn a_commands_runtime_is_named_by_its_program() {
        let of = |words: &[&str]| {
            Runtime::of_command(&words.iter().map(ToString::to_string).collect::<Vec<_>>())
        };
        assert_eq!(
            of(&["/bin/sh", "-c", "exec python3 -m awslambdaric app.handler"]),
            Runtime::Python
        );
        assert_eq!(of(&["/usr/bin/python3.13", "app.py"]), Runtime::Python);
        assert_eq!(
            of(&["/bin/sh", "-c", "exec npx aws-lambda-ric index.handler"]),
            Runtime::Nodejs
        );
        assert_eq!(of(&["env", "A=1", "node", "index.js"]), Runtime::Nodejs);
        assert_eq!(of(&["java", "-jar", "fn.jar"]), Runtime::Java);
        assert_eq!(of(&["dotnet", "Fn.dll"]), Runtime::Dotnet);
        assert_eq!(
            of(&["/bin/sh", "-c", "exec ./target/debug/bootstrap"]),
            Runtime::Rust
        );
        assert_eq!(of(&[]), Runtime::Rust);
        assert_eq!(Runtime::Rust.preset().version, Runtime::Go.preset().version);
    }

    #[test]
    fn every_runtime_has_a_sane_preset() {
        for r in Runtime::ALL {
            let p = r.preset();
            assert!(p.init_ms.iter().all(|v| *v > 0.0), "{r:?}");
            assert!(p.warm_ms[0] <= p.first_invoke_ms[0], "{r:?}");
        }
        // The ordering a room expects: rust < go < python < nodejs < java < snapstart.
        let init = |r: Runtime| r.preset().init_ms[0];
        assert!(init(Runtime::Rust) < init(Runtime::Go));
        assert!(init(Runtime::Go) < init(Runtime::Python));
        assert!(init(Runtime::Python) < init(Runtime::Nodejs));
        assert!(init(Runtime::Nodejs) < init(Runtime::Java));
        assert!(init(Runtime::Java) < init(Runtime::JavaSnapstart));
    }
}
