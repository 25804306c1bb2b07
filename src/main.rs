use std::process::ExitCode;

fn main() -> ExitCode {
    planner::run()
}
