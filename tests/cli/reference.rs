//! The reference planner ships: `planner man` and `planner completions SHELL`, generated from
//! the program's own clap definitions. These tests read the commands and flags from the
//! program's `--help`, so that a command or a flag added later is checked without a list here
//! to update.

use std::process::Command;

use crate::common::{assert_input_error, run};

/// The commands `planner --help` lists (without `help`).
fn commands() -> Vec<String> {
    let (_, help, _) = run(&["--help"]);
    let listed = help
        .split("Commands:")
        .nth(1)
        .expect("--help lists the commands")
        .split("\n\n")
        .next()
        .unwrap();
    let names: Vec<String> = listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(String::from)
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    names
}

/// The long flags `planner COMMAND --help` shows.
fn flags(command: &str) -> Vec<String> {
    let (_, help, _) = run(&[command, "--help"]);
    let mut out: Vec<String> = help
        .lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let l = l
                .strip_prefix("-")
                .and_then(|r| r.split_once(", "))
                .map_or(l, |(_, r)| r);
            l.strip_prefix("--")
                .map(|r| r.split([' ', '=', ',']).next().unwrap().to_string())
        })
        .collect();
    out.dedup();
    out
}

fn stdout_of(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?}: {stderr}");
    stdout
}

/// Whether a program is installed (the shells and groff are not on every machine).
fn installed(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_man_page_has_a_section_for_every_command_with_every_flag() {
    let page = stdout_of(&["man"]);
    assert!(page.contains(".TH planner 1"), "{page}");
    for command in commands() {
        assert!(
            page.contains(&format!(".SH \"planner {command}\"")),
            "no section for {command}"
        );
        let section = page
            .split(&format!(".SH \"planner {command}\""))
            .nth(1)
            .unwrap()
            .split("\n.SH ")
            .next()
            .unwrap();
        let shown = flags(&command);
        assert!(!shown.is_empty(), "{command}: no flags read from --help");
        for flag in shown {
            let roff = format!("\\fB\\-\\-{}\\fR", flag.replace('-', "\\-"));
            assert!(
                section.contains(&roff),
                "{command}'s section lacks --{flag}"
            );
        }
    }
    for words in ["EXIT STATUS", "PLANNER_MEMORY_LIMIT", "EXAMPLES"] {
        assert!(page.contains(words), "{words}");
    }
    // One page: no pointer to a `planner-run(1)` that nothing installs.
    assert!(!page.contains("(1)\n"), "{page}");
}

#[test]
fn the_man_page_renders_without_warnings() {
    let page = stdout_of(&["man"]);
    if !installed("groff") {
        // Without groff, the page must still be roff: requests at line starts, no raw text
        // line that a leading dot or quote would turn into a request.
        assert!(page.starts_with(".\\\" -*- coding: UTF-8 -*-\n"), "{page}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planner.1");
    std::fs::write(&path, &page).unwrap();
    let out = Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww"])
        .arg(&path)
        .output()
        .unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && warnings.is_empty(), "{warnings}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("planner optimize"), "{text}");
}

/// Each shell's script: it names every command, and parses in its shell when installed.
#[test]
fn completion_scripts_parse_and_name_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let syntax_check: [(&str, &[&str]); 5] = [
        ("bash", &["-n"]),
        ("zsh", &["-n"]),
        ("fish", &["--no-execute"]),
        ("elvish", &[]),
        ("powershell", &[]),
    ];
    for (shell, check) in syntax_check {
        let script = stdout_of(&["completions", shell]);
        for command in commands() {
            assert!(script.contains(&command), "{shell}: no {command}");
        }
        assert!(script.contains("target-rate"), "{shell}: no --target-rate");
        let path = dir.path().join(format!("planner.{shell}"));
        std::fs::write(&path, &script).unwrap();
        if check.is_empty() || !installed(shell) {
            continue;
        }
        let out = Command::new(shell).args(check).arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{shell} refuses the script: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Bash is everywhere the tests run: its completion is run for real, a command and a flag.
#[test]
fn bash_completes_commands_and_their_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("planner.bash");
    std::fs::write(&path, stdout_of(&["completions", "bash"])).unwrap();
    let complete = |words: &str, cword: usize| {
        let script = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; \
             _planner planner \"${{COMP_WORDS[$COMP_CWORD]}}\" \"${{COMP_WORDS[$COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = Command::new("bash").arg("-c").arg(script).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("planner op", 1).trim(), "optimize");
    let flags = complete("planner sweep --ra", 2);
    assert!(flags.split_whitespace().any(|f| f == "--range"), "{flags}");
    let shells = complete("planner completions ''", 2);
    assert!(shells.split_whitespace().any(|s| s == "fish"), "{shells}");
}

#[test]
fn an_unknown_shell_is_refused_in_one_line() {
    assert_input_error(&["completions", "tcsh"], "tcsh");
}
