//! Generated files, written or checked by one function ([`ensure`]), in the manner of
//! rust-analyzer's `ensure_file_contents`: the same code writes them locally and proves in
//! CI that the committed copies are current.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// One generated file: its path relative to the workspace root, and its content.
#[derive(Debug)]
pub struct File {
    /// Relative path, with `/` separators.
    pub path: String,
    /// The content.
    pub bytes: Vec<u8>,
}

/// Lines of diff shown per stale file: enough to see what moved, not a whole CSV.
const DIFF_LINES: usize = 40;

/// With `check`, fails unless every file under `root` equals its generated content,
/// printing a short diff of each stale one and naming it and `regenerate` in the error.
/// Without, writes the files that differ (each under a temporary name first, then all
/// renamed, so an interrupted run leaves no half-written file) and says what it did.
pub fn ensure(root: &Path, files: &[File], check: bool, regenerate: &str) -> Result<()> {
    if check {
        self::check(root, files, regenerate)?;
        for file in files {
            println!("{} is up to date", file.path);
        }
    } else {
        let written = write(root, files)?;
        for file in files {
            let verb = if written.contains(&file.path) {
                "wrote"
            } else {
                "unchanged:"
            };
            println!("{verb} {}", file.path);
        }
    }
    Ok(())
}

fn check(root: &Path, files: &[File], regenerate: &str) -> Result<()> {
    let mut stale = Vec::new();
    for file in files {
        let path = root.join(&file.path);
        let problem = match fs::read(&path) {
            Ok(on_disk) if on_disk == file.bytes => continue,
            Ok(on_disk) => {
                print_diff(&file.path, &on_disk, &file.bytes);
                match first_difference(&on_disk, &file.bytes) {
                    Some(line) => format!("differs from the generated file at line {line}"),
                    None => "differs from the generated file".to_owned(),
                }
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => "is missing".to_owned(),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        stale.push(format!("  {} {problem}", file.path));
    }
    if stale.is_empty() {
        return Ok(());
    }
    bail!(
        "generated files are stale:\n{}\nRun `{regenerate}` and commit them (or revert the \
         change that altered them).",
        stale.join("\n")
    )
}

fn print_diff(name: &str, committed: &[u8], generated: &[u8]) {
    let (Ok(old), Ok(new)) = (
        std::str::from_utf8(committed),
        std::str::from_utf8(generated),
    ) else {
        return;
    };
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{name} (committed)"),
            &format!("{name} (generated)"),
        )
        .to_string();
    let mut lines = text.lines();
    for line in lines.by_ref().take(DIFF_LINES) {
        println!("{line}");
    }
    if lines.next().is_some() {
        println!("… (diff cut at {DIFF_LINES} lines)");
    }
}

/// The 1-based number of the first line where `a` and `b` differ, if they differ.
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    let mut lines_a = a.split(|&c| c == b'\n');
    let mut lines_b = b.split(|&c| c == b'\n');
    (1..).find_map(|line| match (lines_a.next(), lines_b.next()) {
        (None, None) => Some(None),
        (x, y) if x == y => None,
        _ => Some(Some(line)),
    })?
}

/// Writes the files that differ from those under `root`; returns their paths.
fn write(root: &Path, files: &[File]) -> Result<Vec<String>> {
    let changed: Vec<&File> = files
        .iter()
        .filter(|f| fs::read(root.join(&f.path)).ok().as_deref() != Some(&f.bytes[..]))
        .collect();
    let partial = |f: &File| -> PathBuf {
        let path = root.join(&f.path);
        let name = path.file_name().expect("a file name").to_string_lossy();
        path.with_file_name(format!(".{name}.partial"))
    };
    for file in &changed {
        let path = partial(file);
        let result = path
            .parent()
            .map_or(Ok(()), fs::create_dir_all)
            .and_then(|()| fs::File::create(&path))
            .and_then(|mut out| {
                std::io::Write::write_all(&mut out, &file.bytes)?;
                out.sync_all()
            });
        if let Err(err) = result {
            for f in &changed {
                let _ = fs::remove_file(partial(f));
            }
            return Err(err).with_context(|| format!("writing {}", path.display()));
        }
    }
    for file in &changed {
        let target = root.join(&file.path);
        fs::rename(partial(file), &target)
            .with_context(|| format!("renaming onto {}", target.display()))?;
    }
    Ok(changed.iter().map(|f| f.path.clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<File> {
        ["a/one.csv", "a/two.csv", "b/three.md"]
            .iter()
            .map(|path| File {
                path: (*path).to_owned(),
                bytes: format!("header\n{path}\nlast\n").into_bytes(),
            })
            .collect()
    }

    #[test]
    fn check_names_each_stale_file_and_the_command() {
        let dir = tempfile::tempdir().unwrap();
        let files = files();
        assert_eq!(write(dir.path(), &files).unwrap().len(), files.len());
        check(dir.path(), &files, "cargo xtask gen").unwrap();
        assert!(
            write(dir.path(), &files).unwrap().is_empty(),
            "rewrote equal files"
        );

        let one = dir.path().join("a/one.csv");
        fs::write(&one, "header\nchanged\nlast\n").unwrap();
        fs::remove_file(dir.path().join("b/three.md")).unwrap();
        let message = check(dir.path(), &files, "cargo xtask gen")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("a/one.csv differs from the generated file at line 2"),
            "{message}"
        );
        assert!(message.contains("b/three.md is missing"), "{message}");
        assert!(!message.contains("two.csv"), "{message}");
        assert!(message.contains("Run `cargo xtask gen`"), "{message}");

        assert_eq!(
            write(dir.path(), &files).unwrap(),
            ["a/one.csv", "b/three.md"]
        );
        check(dir.path(), &files, "cargo xtask gen").unwrap();
        for sub in ["a", "b"] {
            let leftovers: Vec<_> = fs::read_dir(dir.path().join(sub))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .filter(|name| name.ends_with(".partial"))
                .collect();
            assert!(leftovers.is_empty(), "{leftovers:?}");
        }
    }

    #[test]
    fn first_difference_counts_lines_from_one() {
        assert_eq!(first_difference(b"a\nb\n", b"a\nb\n"), None);
        assert_eq!(first_difference(b"a\nb\n", b"a\nc\n"), Some(2));
        assert_eq!(first_difference(b"a\n", b"a\nb\n"), Some(2));
        assert_eq!(first_difference(b"x", b"a\nb\n"), Some(1));
    }
}
