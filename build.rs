//! Gives libbooth.so its SONAME: programs linked with `-lbooth` record `libbooth.so.0`,
//! so an incompatible ABI later can be `libbooth.so.1` beside it (src/dist/install.sh
//! installs the links). Nothing else: the header comes from tests/ffi_header.rs.
fn main() {
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,-soname,libbooth.so.{}",
        ABI_MAJOR
    );
    println!("cargo:rerun-if-changed=build.rs");
}

/// Bump when a change breaks programs compiled against the previous include/booth.h.
const ABI_MAJOR: u32 = 0;
