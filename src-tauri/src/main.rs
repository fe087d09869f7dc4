// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    // SAFETY: the first thing the process does; no other thread exists yet.
    #[allow(unsafe_code)]
    unsafe {
        whisker_core::fix_thread_count()
    };
    whisker_app::run()
}
