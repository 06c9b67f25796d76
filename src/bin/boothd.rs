//! The one binary: `boothd`, `booth` and `geostore` by argv[0] (surface.md §2.1).

fn main() {
    let argv0 = std::env::args_os().next().unwrap_or_default();
    let name = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    eprintln!("{name}: not implemented yet");
    std::process::exit(1);
}
