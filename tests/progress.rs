//! The console progress bar: drawn when stderr is a terminal (a tmux pane here), absent when
//! stderr is a pipe.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn cargo() -> Command {
    let mut c = Command::new(env!("CARGO"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `tmux` on a private server socket.
fn tmux(socket: &str, args: &[&str]) -> String {
    let out = Command::new("tmux")
        .args(["-L", socket])
        .args(args)
        .output()
        .expect("tmux is installed (the CI script installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_progress_bar_appears_in_a_terminal_and_not_in_a_pipe() {
    // Built first, so the pane shows the run, not the build.
    let built = cargo()
        .args(["build", "--quiet", "--example", "progress"])
        .status()
        .unwrap();
    assert!(built.success());

    // Piped stderr: no bar, only the result.
    let piped = cargo()
        .args(["run", "--quiet", "--example", "progress"])
        .output()
        .unwrap();
    assert!(piped.status.success());
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !stderr.contains("[Stage"),
        "no bar without a terminal: {stderr}"
    );
    assert!(String::from_utf8_lossy(&piped.stdout).contains("sums by residue"));

    // In a terminal: the bar of the running stage is on screen while it runs.
    let socket = format!("rddflow-progress-{}", std::process::id());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cmd = format!(
        "cd '{}' && '{}' run --quiet --example progress; sleep 30",
        root.display(),
        env!("CARGO")
    );
    tmux(
        &socket,
        &[
            "new-session",
            "-d",
            "-s",
            "bar",
            "-x",
            "160",
            "-y",
            "40",
            &cmd,
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut screens = Vec::new();
    let mut bar = None;
    let mut done = false;
    while Instant::now() < deadline && !done {
        let screen = tmux(&socket, &["capture-pane", "-p", "-t", "bar"]);
        if bar.is_none() {
            bar = screen
                .lines()
                .find(|l| l.contains("[Stage ") && l.contains(" tasks]"))
                .map(str::to_owned);
        }
        done = screen.contains("sums by residue");
        screens.push(screen);
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux(&socket, &["kill-server"]);
    let bar = bar.unwrap_or_else(|| panic!("no progress bar seen; screens:\n{screens:#?}"));
    assert!(
        bar.contains("reduce_by_key Slow.sums: "),
        "the bar names the stage's operator and node: {bar}"
    );
    assert!(bar.contains("/8 tasks]"), "{bar}");
    assert!(
        done,
        "the example finished; last screen:\n{:?}",
        screens.last()
    );
}
