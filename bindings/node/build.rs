fn main() {
    napi_build::setup();
    // macOS: the addon's install name (LC_ID_DYLIB), which the linker otherwise takes from the
    // build path (a path of the machine that built the package, in every copy of it). Nothing
    // links against the addon (Node loads it with dlopen), so the name only has to be stable: the
    // file's own name, as the platform package ships it.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("macos") {
        let arch = match std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
            Ok("aarch64") => "arm64",
            _ => "x64",
        };
        println!(
            "cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/wechatpay-notify.darwin-{arch}.node"
        );
    }
}
