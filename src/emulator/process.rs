//! The `process` handler's side of the platform: one OS process per execution
//! environment, each with its own Runtime API. Processes run in their own process
//! group, so freezing (SIGSTOP), thawing (SIGCONT) and killing reach whatever the
//! command started; a process is killed when its environment goes, and when thaw stops
//! (dropping the manager kills them all, on every exit path that unwinds).

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Instant;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::pool::EnvKey;
use super::runtime_api::{Delivery, RuntimeApi, RuntimeMsg};
use crate::config::{EmulatorConfig, LogFormat};
use crate::event::InitType;

/// What the processes and their Runtime APIs tell the platform.
#[derive(Debug)]
pub enum ProcMsg {
    Runtime {
        key: EnvKey,
        serial: u64,
        epoch: u64,
        msg: RuntimeMsg,
        /// An answer's: the process tree's peak memory so far, MB, for its REPORT
        /// (measured off the platform's task, in output.rs).
        peak_mb: Option<u32>,
    },
    /// One line the process wrote (stdout or stderr).
    Output {
        key: EnvKey,
        serial: u64,
        epoch: u64,
        line: String,
    },
    /// The process ended (or could not start).
    Exited {
        key: EnvKey,
        serial: u64,
        epoch: u64,
        status: String,
    },
}

impl ProcMsg {
    /// Which process spoke: a message from a process already replaced is stale.
    pub fn source(&self) -> (EnvKey, u64) {
        match self {
            Self::Runtime { key, epoch, .. }
            | Self::Output { key, epoch, .. }
            | Self::Exited { key, epoch, .. } => (*key, *epoch),
        }
    }
}

/// One environment's process.
struct Running {
    serial: u64,
    epoch: u64,
    pgid: Option<Pid>,
    api: RuntimeApi,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(pgid) = self.pgid {
            // The whole group, stopped or not: nothing may outlive its environment.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The processes of every environment.
pub struct Processes {
    cfg: EmulatorConfig,
    tx: mpsc::UnboundedSender<ProcMsg>,
    running: HashMap<EnvKey, Running>,
    next_epoch: u64,
}

impl Processes {
    pub fn new(cfg: &EmulatorConfig, tx: mpsc::UnboundedSender<ProcMsg>) -> Self {
        Self {
            cfg: cfg.clone(),
            tx,
            running: HashMap::new(),
            next_epoch: 0,
        }
    }

    /// Starts the environment's process; a failure to start is reported as its exit.
    pub fn spawn(&mut self, key: EnvKey, serial: u64, stream: &str, init_type: InitType) {
        self.kill(key);
        self.next_epoch += 1;
        let epoch = self.next_epoch;
        match self.start(key, serial, epoch, stream, init_type) {
            Ok(r) => {
                self.running.insert(key, r);
            }
            Err(status) => {
                let _ = self.tx.send(ProcMsg::Exited {
                    key,
                    serial,
                    epoch,
                    status,
                });
            }
        }
    }

    fn start(
        &self,
        key: EnvKey,
        serial: u64,
        epoch: u64,
        stream: &str,
        init_type: InitType,
    ) -> Result<Running, String> {
        let p = &self.cfg.process;
        let Some((program, args)) = p.command.split_first() else {
            return Err("no command: set emulator.process.command or --handler-cmd".into());
        };
        let started = Instant::now();
        // What the runtime says goes through the task that reads the process's output, so
        // the lines printed before an answer reach the log before it (output.rs).
        let (said, heard) = mpsc::unbounded_channel();
        let api = RuntimeApi::start(started, move |msg| {
            let _ = said.send(ProcMsg::Runtime {
                key,
                serial,
                epoch,
                msg,
                peak_mb: None,
            });
        })
        .map_err(|e| format!("cannot open its Runtime API: {e}"))?;
        let mut cmd = self.command(program, args, &api.host_port(), stream, init_type);
        let mut child = cmd.spawn().map_err(|e| {
            format!("cannot start `{program}` ({e}); check emulator.process.command and cwd")
        })?;
        let pgid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .map(Pid::from_raw);
        // Both streams go to the environment's log, as Lambda sends them to CloudWatch.
        let from = super::output::Source {
            key,
            serial,
            epoch,
            pid: child.id(),
        };
        let mut tasks = vec![tokio::spawn(super::output::forward(
            child.stdout.take(),
            child.stderr.take(),
            heard,
            self.tx.clone(),
            from,
        ))];
        let tx = self.tx.clone();
        tasks.push(tokio::spawn(async move {
            let status = match child.wait().await {
                Ok(s) => s.to_string(),
                Err(e) => e.to_string(),
            };
            let _ = tx.send(ProcMsg::Exited {
                key,
                serial,
                epoch,
                status,
            });
        }));
        Ok(Running {
            serial,
            epoch,
            pgid,
            api,
            tasks,
        })
    }

    /// The command for one environment, with Lambda's variables and not thaw's own.
    fn command(
        &self,
        program: &str,
        args: &[String],
        runtime_api: &str,
        stream: &str,
        init_type: InitType,
    ) -> tokio::process::Command {
        let p = &self.cfg.process;
        let cwd = p.cwd.clone().unwrap_or_else(|| ".".into());
        let task_root =
            std::fs::canonicalize(&cwd).map_or_else(|_| cwd.clone(), |d| d.display().to_string());
        let c = &self.cfg;
        let mut cmd = tokio::process::Command::new(program);
        cmd.args(args)
            .current_dir(&cwd)
            // Lambda's environment, not thaw's: no credentials of the user leak in.
            .env_clear()
            .envs(std::env::vars().filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "PATH" | "HOME" | "LANG" | "LC_ALL" | "TMPDIR" | "USER"
                )
            }))
            .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
            .env("_HANDLER", p.handler_name())
            .env("AWS_LAMBDA_FUNCTION_NAME", &c.function_name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", c.memory_mb.to_string())
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env(
                "AWS_LAMBDA_LOG_GROUP_NAME",
                format!("/aws/lambda/{}", c.function_name),
            )
            .env("AWS_LAMBDA_LOG_STREAM_NAME", stream)
            .env(
                "AWS_LAMBDA_LOG_FORMAT",
                match c.log_format {
                    LogFormat::Text => "Text",
                    LogFormat::Json => "JSON",
                },
            )
            .env("AWS_REGION", &c.region)
            .env("AWS_DEFAULT_REGION", &c.region)
            // The execution role's credentials, as Lambda hands them to every function
            // (placeholders: the emulator takes any signature), so a function that calls
            // AWS (thaw's burst worker) finds them where it would.
            .env("AWS_ACCESS_KEY_ID", "ASIATHAWEMULATEDROLE")
            .env("AWS_SECRET_ACCESS_KEY", "thaw-emulated-role")
            .env("AWS_SESSION_TOKEN", "thaw-emulated-role-session")
            .env("AWS_LAMBDA_INITIALIZATION_TYPE", init_type.as_str())
            .env("LAMBDA_TASK_ROOT", &task_root)
            .env("LAMBDA_RUNTIME_DIR", &task_root)
            .env("TZ", ":UTC")
            .envs(
                // Several requests per environment: the runtime serves this many at once.
                (c.execution_model != crate::config::ExecutionModel::Classic)
                    .then(|| ("AWS_LAMBDA_MAX_CONCURRENCY", c.slots().to_string())),
            )
            .envs(&p.env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        die_with_thaw(&mut cmd);
        cmd
    }

    /// Hands an invocation to the environment's runtime (thawing it first).
    pub fn deliver(&mut self, key: EnvKey, serial: u64, d: Delivery) {
        if let Some(r) = self.running.get(&key).filter(|r| r.serial == serial) {
            signal(r, Signal::SIGCONT);
            r.api.deliver(d);
        }
    }

    /// Freezes an idle environment, as Lambda does between invocations.
    pub fn freeze(&mut self, key: EnvKey, serial: u64) {
        if let Some(r) = self.running.get(&key).filter(|r| r.serial == serial) {
            signal(r, Signal::SIGSTOP);
        }
    }

    /// Kills the environment's process (reclaimed, destroyed, or replaced).
    pub fn kill(&mut self, key: EnvKey) {
        self.running.remove(&key);
    }

    /// Whether the environment has a process.
    pub fn has(&self, key: EnvKey) -> bool {
        self.running.contains_key(&key)
    }

    /// Whether `epoch` is the environment's current process.
    pub fn is_current(&self, key: EnvKey, epoch: u64) -> bool {
        self.running.get(&key).is_some_and(|r| r.epoch == epoch)
    }

    pub fn len(&self) -> usize {
        self.running.len()
    }

    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }
}

/// Even SIGKILL, which leaves no time to clean up, must not leave handler processes
/// behind (frozen ones would wait forever): the kernel kills each one when the thread
/// that started it ends. That is a runtime worker, which lives as long as thaw's runtime.
#[cfg(target_os = "linux")]
fn die_with_thaw(cmd: &mut tokio::process::Command) {
    let thaw = nix::unistd::getpid();
    #[expect(
        unsafe_code,
        reason = "pre_exec is unsafe by contract; the hook below is sound"
    )]
    // SAFETY: the hook runs between fork and exec, where only async-signal-safe calls
    // are allowed; prctl and getppid are single system calls that allocate nothing.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            // thaw may have died before the line above: then nothing would kill us.
            // (An errno, not a message: nothing may allocate here.)
            if nix::unistd::getppid() != thaw {
                return Err(nix::errno::Errno::ESRCH.into());
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_thaw(_: &mut tokio::process::Command) {}

fn signal(r: &Running, s: Signal) {
    if let Some(pgid) = r.pgid {
        let _ = killpg(pgid, s);
    }
}
