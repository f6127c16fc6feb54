//! SkyDeck's entry point: sets the panic hook and mounts the app; nothing else.

use skydeck::App;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
