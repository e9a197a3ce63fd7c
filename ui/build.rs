//! Compiles the Slint UI. Debug builds (and so every test build) carry debug info, without which
//! Slint's testing backend finds no element by accessible label.

fn main() {
    let debug = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("../assets/lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(debug);
    // The developer's tools (the demo's device panel) stay out of the terminal's build.
    let root = if std::env::var_os("CARGO_FEATURE_DEV_TOOLS").is_some() {
        "dev_tools.slint"
    } else {
        "app.slint"
    };
    slint_build::compile_with_config(root, config).expect("Slint UI failed to compile");
    println!("cargo:rerun-if-changed=.");
    println!("cargo:rerun-if-changed=../assets/lang");
    println!("cargo:rerun-if-changed=../assets/fonts");
}
