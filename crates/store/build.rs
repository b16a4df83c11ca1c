//! `sqlx::migrate!` reads `migrations/` while the crate compiles; without this, cargo does not
//! know that a new or changed migration must rebuild the store (and every binary embedding it).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
