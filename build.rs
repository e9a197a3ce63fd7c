//! Compiles the Slint UI. Debug builds (and so every test build) carry debug info, without which
//! Slint's testing backend finds no element by accessible label.

fn main() {
    let debug = std::env::var("PROFILE").as_deref() == Ok("debug");
    let config = slint_build::CompilerConfiguration::new()
        .with_bundled_translations("assets/lang")
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_debug_info(debug);
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI failed to compile");
    println!("cargo:rerun-if-changed=ui");
    println!("cargo:rerun-if-changed=assets/lang");
}
