//! Files the demo puts into a site's media library (data sets' CSV files, service items'
//! blank forms), written to disk and recorded as the site's administrator would upload them.

use std::path::Path;

use sha2::{Digest, Sha256};
use zhanqun_core::{Error, Result, SiteId};
use zhanqun_store::{Actor, NewMedia, Store};

/// Writes `bytes` into the site's media folder under `media_root` and records it as `actor`
/// (audited, as an upload is); answers the file's `/media/…` address. The stored name keeps the
/// original's extension.
pub(crate) async fn upload_file(
    store: &Store,
    actor: &Actor,
    media_root: &Path,
    site: SiteId,
    original: &str,
    bytes: &[u8],
    content_type: &str,
) -> Result<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    // Stored names are unique across sites: the same file on two sites is two files.
    let named = hex::encode(Sha256::digest(
        format!("{}:{original}:{sha}", site.0).as_bytes(),
    ));
    let ext = original.rsplit_once('.').map_or("bin", |(_, e)| e);
    let name = format!("{}.{ext}", &named[..32]);
    let dir = media_root.join(site.0.to_string());
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(&name), bytes))
        .map_err(|e| Error::internal(format!("demo file: {e}")))?;
    store
        .add_media(
            actor,
            site,
            &NewMedia {
                storage_name: name.clone(),
                original_name: original.into(),
                content_type: content_type.into(),
                bytes: bytes.len() as i64,
                sha256: sha,
            },
        )
        .await?;
    Ok(format!("/media/{name}"))
}
