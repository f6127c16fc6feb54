//! SkyDeck's entry point: sets the panic hook and mounts the app; nothing else.

use skydeck::App;

fn main() {
    // A panic shows its message in the console, except in the shipped
    // build (scripts/build-site.sh), where `-Cpanic=immediate-abort` traps
    // at once: no hook runs and none is compiled in.
    #[cfg(not(panic = "immediate-abort"))]
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
