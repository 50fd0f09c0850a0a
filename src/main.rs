//! The `shape` command: parses flags, starts the runtime, runs one library function per
//! subcommand (`shape::cli`) and prints errors. See `shape --help`.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use shape::cli::{run_command, Command, WorkspaceArgs};

#[derive(Parser)]
#[command(
    name = "shape",
    version,
    about = "Service health from logs: ingest with line-level lineage, SQL over Parquet, SLOs, \
             detection, healing"
)]
struct Cli {
    #[command(flatten)]
    workspace: WorkspaceArgs,
    #[command(subcommand)]
    command: Command,
}

/// glibc's malloc by default, with one arena per core (`limit_malloc_arenas`): a long-running
/// `shape run --every` or server held its RSS within 6% from cycle 100 to 1,000 with it, where
/// mimalloc kept growing by 30% while allocation sizes grew with the data; CLI commands, ingest
/// and the server measured the same within noise (docs/src/performance-serving.md, "Keeping a data dir").
/// The `mimalloc` feature builds with mimalloc instead.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3's `mi_option_purge_delay` (its position in `mi_option_e` in mimalloc.h;
/// libmimalloc-sys names no constant for it).
#[cfg(feature = "mimalloc")]
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Caps glibc's arenas at the core count unless `MALLOC_ARENA_MAX` says otherwise: glibc makes
/// up to eight per core, one for each thread that meets contention, and memory freed in one
/// arena is not reused by another; more arenas than cores buy no parallelism. (Measured with
/// the cap only: `MALLOC_ARENA_MAX=2` on 2 cores.)
#[cfg(all(not(feature = "mimalloc"), target_os = "linux", target_env = "gnu"))]
fn limit_malloc_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let cores = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .max(2);
    let cores = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
    // SAFETY: mallopt only sets a tunable; no other thread runs yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, cores);
    }
}

fn main() -> ExitCode {
    #[cfg(all(not(feature = "mimalloc"), target_os = "linux", target_env = "gnu"))]
    limit_malloc_arenas();
    // Freed pages go back to the OS at once rather than after a second:
    // with the delay, a long-running `shape run --every` or server kept growing (RSS 200 ->
    // 590 MB in 160 cycles, while the live heap stayed under 50 MB); without it and without
    // huge pages, flat. Set before any thread starts (the call is not thread safe).
    #[cfg(feature = "mimalloc")]
    // SAFETY: one thread runs at this point; the option index is checked by the test below.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
    }
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(shape::THREAD_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    // Not locked: library code on other threads may still print.
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let result = runtime.block_on(run_command(&cli.workspace, cli.command, &mut out));
    let result = result.and_then(|code| out.flush().map(|_| code).map_err(Into::into));
    match result {
        Ok(code) => code,
        // The reader went away (`shape detect | head`): nothing more to say, like ripgrep.
        Err(error) if closed_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {}", describe(&error));
            ExitCode::FAILURE
        }
    }
}

fn closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The error and its causes, each said once: wrappers often repeat their source's text.
fn describe(error: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in error.chain() {
        let part = cause.to_string();
        if !text.contains(part.trim()) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&part);
        }
    }
    text
}

#[cfg(all(test, feature = "mimalloc"))]
mod tests {
    #[test]
    fn the_purge_delay_option_index_is_mimallocs() {
        // mimalloc v3's options.c: purge_delay defaults to 1000 (ms), no other option near it
        // does (this test's process never sets it).
        let default = unsafe { libmimalloc_sys::mi_option_get(super::MI_OPTION_PURGE_DELAY) };
        assert_eq!(default, 1000);
    }
}
