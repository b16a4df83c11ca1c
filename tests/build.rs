//! `sqlx::migrate!` in the harness (`migrate_to`, stores of an older release) reads
//! `migrations/` while the crate compiles: a new or changed migration must rebuild it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
