//! Online backup and restore of a node's data: the database (a consistent SQLite copy made
//! while the server runs) and the uploaded files it refers to, with a manifest of hashes. A
//! restore checks every hash and the content export's hash before it puts anything in place.
//!
//! PostgreSQL databases are backed up with `pg_dump` (ops/README.md); `zhanqun backup` then
//! copies the uploaded files only.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhanqun_core::{Error, Result};

/// The format written in `manifest.json`.
pub const FORMAT: &str = "zhanqun-backup/1";
const DB_FILE: &str = "zhanqun.db";

/// What a backup holds, written last: a backup without it is incomplete.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// `zhanqun.db` and its SHA-256.
    pub database: FileEntry,
    /// The content export of the copy (`zhanqun export`): SHA-256 and line count.
    pub export_sha256: String,
    pub export_lines: u64,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileEntry {
    /// Relative to the backup (and the data directory).
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::internal(format!("{what} {}: {e}", path.display()))
}

/// Copies `from` to `to` (creating its folder), returning the bytes and SHA-256 of what was
/// copied; the copy is synced to disk.
fn copy_hashed(from: &Path, to: &Path) -> Result<(u64, String)> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io("创建目录", dir, e))?;
    }
    let mut src = std::fs::File::open(from).map_err(|e| io("读取", from, e))?;
    let mut dst = std::fs::File::create(to).map_err(|e| io("写入", to, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut n = 0u64;
    loop {
        let k = src.read(&mut buf).map_err(|e| io("读取", from, e))?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        dst.write_all(&buf[..k]).map_err(|e| io("写入", to, e))?;
        n += k as u64;
    }
    dst.sync_all().map_err(|e| io("写入", to, e))?;
    Ok((n, hex::encode(h.finalize())))
}

fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut f = std::fs::File::open(path).map_err(|e| io("读取", path, e))?;
    let mut h = Sha256::new();
    let n = std::io::copy(&mut f, &mut h).map_err(|e| io("读取", path, e))?;
    Ok((n, hex::encode(h.finalize())))
}

fn media_path(site: i64, name: &str) -> Result<String> {
    // Storage names are generated (hex and an extension); refuse anything that could leave
    // the media folder.
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(Error::internal(format!("异常的文件存储名：{name}")));
    }
    Ok(format!("media/{site}/{name}"))
}

/// Opens a SQLite file as a store (no migration: it is a copy of a migrated store).
async fn open_copy(db: &Path) -> Result<Store> {
    Store::connect(&format!("sqlite://{}", db.display())).await
}

/// Backs up the SQLite store behind `store` and the files under `data_dir` into `dest`, a new
/// directory. Returns the manifest. On failure `dest` is removed: no half backup is left.
pub async fn backup(store: &Store, data_dir: &Path, dest: &Path) -> Result<Manifest> {
    if dest.exists()
        && std::fs::read_dir(dest)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(Error::invalid(format!(
            "备份目录 {} 已存在且不为空，请指定一个新目录",
            dest.display()
        )));
    }
    std::fs::create_dir_all(dest).map_err(|e| io("创建目录", dest, e))?;
    let r = backup_into(store, data_dir, dest).await;
    if r.is_err() {
        let _ = std::fs::remove_dir_all(dest);
    }
    r
}

async fn backup_into(store: &Store, data_dir: &Path, dest: &Path) -> Result<Manifest> {
    let db = dest.join(DB_FILE);
    store.backup_sqlite(&db).await?;
    // The copy is one moment of the store: its export and its list of files.
    let copy = open_copy(&db).await?;
    let mut sink = std::io::sink();
    let exported = copy.export(&mut sink).await;
    let media = copy.media_files().await;
    copy.close().await;
    let (export_sha256, export_lines) = exported?;
    let mut files = Vec::new();
    for m in media? {
        let rel = media_path(m.site_id, &m.storage_name)?;
        let (bytes, sha256) = copy_hashed(&data_dir.join(&rel), &dest.join(&rel))?;
        if sha256 != m.sha256 {
            return Err(Error::internal(format!(
                "上传文件 {rel} 与库中记录的哈希不符（文件已损坏？）"
            )));
        }
        files.push(FileEntry {
            path: rel,
            bytes,
            sha256,
        });
    }
    let (bytes, sha256) = hash_file(&db)?;
    let manifest = Manifest {
        format: FORMAT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        database: FileEntry {
            path: DB_FILE.into(),
            bytes,
            sha256,
        },
        export_sha256,
        export_lines,
        files,
    };
    let text = serde_json::to_vec_pretty(&manifest).map_err(Error::internal)?;
    let tmp = dest.join("manifest.json.part");
    std::fs::write(&tmp, text).map_err(|e| io("写入", &tmp, e))?;
    std::fs::rename(&tmp, dest.join("manifest.json")).map_err(|e| io("写入", &tmp, e))?;
    Ok(manifest)
}

/// Reads and checks a backup's manifest.
pub fn read_manifest(from: &Path) -> Result<Manifest> {
    let path = from.join("manifest.json");
    let text = std::fs::read(&path).map_err(|_| {
        Error::invalid(format!(
            "{} 不是完整的备份：缺少 manifest.json",
            from.display()
        ))
    })?;
    let m: Manifest = serde_json::from_slice(&text)
        .map_err(|e| Error::invalid(format!("备份清单 manifest.json 无法读取：{e}")))?;
    if m.format != FORMAT {
        return Err(Error::invalid(format!(
            "不支持的备份格式 {}（本程序读取 {FORMAT}）",
            m.format
        )));
    }
    Ok(m)
}

/// Restores the backup in `from` into `data_dir`, which must hold no database. Every file's
/// hash is checked while copying; the database copy is opened, checked for integrity and its
/// export compared with the manifest before it is put in place. On failure nothing is left
/// behind in `data_dir`.
pub async fn restore(from: &Path, data_dir: &Path) -> Result<Manifest> {
    let m = read_manifest(from)?;
    let target = data_dir.join(DB_FILE);
    if target.exists() {
        return Err(Error::invalid(format!(
            "数据目录 {} 中已有数据库，恢复只写入空的数据目录（请换一个目录，或先移走现有数据）",
            data_dir.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(|e| io("创建目录", data_dir, e))?;
    let mut written: Vec<PathBuf> = Vec::new();
    let r = restore_into(&m, from, data_dir, &mut written).await;
    if r.is_err() {
        for p in written.iter().rev() {
            let _ = std::fs::remove_file(p);
        }
    }
    r.map(|()| m)
}

async fn restore_into(
    m: &Manifest,
    from: &Path,
    data_dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<()> {
    let check = |e: &FileEntry, got: (u64, String)| -> Result<()> {
        if got.1 != e.sha256 || got.0 != e.bytes {
            return Err(Error::invalid(format!(
                "备份中的 {} 已损坏（哈希或大小与清单不符），未恢复任何数据",
                e.path
            )));
        }
        Ok(())
    };
    for f in &m.files {
        if f.path.contains("..") || !f.path.starts_with("media/") {
            return Err(Error::invalid(format!("备份清单中的路径异常：{}", f.path)));
        }
        let to = data_dir.join(&f.path);
        if to.exists() {
            // Content-addressed names: the same file already there is fine if it matches.
            check(f, hash_file(&to)?)?;
            continue;
        }
        written.push(to.clone());
        check(f, copy_hashed(&from.join(&f.path), &to)?)?;
    }
    let part = data_dir.join(format!("{DB_FILE}.restoring"));
    written.push(part.clone());
    written.push(data_dir.join(format!("{DB_FILE}.restoring-wal")));
    written.push(data_dir.join(format!("{DB_FILE}.restoring-shm")));
    check(&m.database, copy_hashed(&from.join(DB_FILE), &part)?)?;
    let copy = open_copy(&part).await?;
    let integrity = copy.integrity().await;
    let mut sink = std::io::sink();
    let exported = copy.export(&mut sink).await;
    copy.close().await;
    let integrity = integrity?;
    if !integrity.ok() {
        return Err(Error::invalid(format!(
            "备份的数据库未通过完整性检查：{}",
            integrity.problems.join("；")
        )));
    }
    let (sha, lines) = exported?;
    if sha != m.export_sha256 || lines != m.export_lines {
        return Err(Error::invalid(
            "备份的内容与清单记录的导出哈希不符，未恢复任何数据",
        ));
    }
    std::fs::rename(&part, data_dir.join(DB_FILE)).map_err(|e| io("写入", &part, e))?;
    Ok(())
}
