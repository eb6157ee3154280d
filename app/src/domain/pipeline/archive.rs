//! The pipeline file inside an uploaded .zip or .tar.gz, chosen as KFP does (`pipeline.yaml`,
//! else the first `.yaml`/`.yml`). Decompression stops at the limits, whatever the headers
//! claim.

use super::error::{Source, mebibytes};
use super::{MAX_ARCHIVE_MEMBERS, MAX_DECOMPRESSED_BYTES, MAX_MEMBER_BYTES};
use crate::model::pipeline::PipelineParseError;
use std::cell::Cell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;

/// The member KFP looks for first.
const PIPELINE_MEMBER: &str = "pipeline.yaml";
const TAR_BLOCK: usize = 512;

pub(super) struct Member {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The pipeline member of an archive, or None when `bytes` is not an archive.
pub(super) fn pipeline_member(
    source: &Source,
    bytes: &[u8],
) -> Result<Option<Member>, PipelineParseError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return zip_member(source, bytes).map(Some);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return tar_gz_member(source, bytes).map(Some);
    }
    if bytes.len() >= TAR_BLOCK && bytes[257..262] == *b"ustar" {
        return Err(source.syntax(
            None,
            "an uncompressed .tar archive; KFP takes .tar.gz, .tgz or .zip archives",
        ));
    }
    Ok(None)
}

/// Decompresses gzip data up to `limit` bytes. The error is the limit, as text, when the data
/// goes past it, and None when it isn't gzip.
pub(super) fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, Option<String>> {
    let exceeded = Rc::new(Cell::new(false));
    let mut reader = Limited::new(flate2::read::MultiGzDecoder::new(bytes), limit, &exceeded);
    let mut out = Vec::new();
    match reader.read_to_end(&mut out) {
        Ok(_) => Ok(out),
        Err(_) if exceeded.get() => Err(Some(mebibytes(limit))),
        Err(_) => Err(None),
    }
}

fn is_yaml(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".yaml") || name.ends_with(".yml")
}

fn is_pipeline(name: &str) -> bool {
    name.rsplit('/').next() == Some(PIPELINE_MEMBER)
}

fn too_many_members(source: &Source) -> PipelineParseError {
    source.too_large(format!(
        "the archive has more than {MAX_ARCHIVE_MEMBERS} members"
    ))
}

fn no_yaml(source: &Source, names: &[String]) -> PipelineParseError {
    let listed = match names.len() {
        0 => "it has no files".to_owned(),
        1..=5 => format!("it holds {}", names.join(", ")),
        more => format!("it holds {} and {} more", names[..5].join(", "), more - 5),
    };
    source.invalid(
        None,
        None,
        format!("the archive has no {PIPELINE_MEMBER} and no other .yaml or .yml file ({listed})"),
    )
}

fn member_too_large(source: &Source, name: &str) -> PipelineParseError {
    source.too_large(format!(
        "{name} decompresses to more than {}",
        mebibytes(MAX_MEMBER_BYTES)
    ))
}

fn zip_member(source: &Source, bytes: &[u8]) -> Result<Member, PipelineParseError> {
    // The end record says how many members there are: refuse before reading them all.
    if zip_member_count(bytes).is_some_and(|count| count > MAX_ARCHIVE_MEMBERS) {
        return Err(too_many_members(source));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|error| source.syntax(None, format!("not a valid .zip archive: {error}")))?;
    if archive.len() > MAX_ARCHIVE_MEMBERS {
        return Err(too_many_members(source));
    }
    let names: Vec<String> = (0..archive.len())
        .filter_map(|index| archive.name_for_index(index).map(str::to_owned))
        .filter(|name| !name.ends_with('/'))
        .collect();
    let chosen = (names.iter().find(|name| is_pipeline(name)))
        .or_else(|| names.iter().find(|name| is_yaml(name)))
        .ok_or_else(|| no_yaml(source, &names))?;
    let unreadable = |error: &dyn std::fmt::Display| {
        source.syntax(
            None,
            format!("cannot read {chosen} from the archive: {error}"),
        )
    };
    let mut file = archive
        .by_name(chosen)
        .map_err(|error| unreadable(&error))?;
    if file.size() > MAX_MEMBER_BYTES {
        return Err(member_too_large(source, chosen));
    }
    let exceeded = Rc::new(Cell::new(false));
    let mut bytes = Vec::with_capacity(file.size() as usize);
    Limited::new(&mut file, MAX_MEMBER_BYTES, &exceeded)
        .read_to_end(&mut bytes)
        .map_err(|error| match exceeded.get() {
            true => member_too_large(source, chosen),
            false => unreadable(&error),
        })?;
    Ok(Member {
        name: chosen.clone(),
        bytes,
    })
}

/// The member count of the zip's end-of-central-directory record; None for zip64 or when
/// there is no such record.
fn zip_member_count(bytes: &[u8]) -> Option<usize> {
    const END_RECORD: usize = 22;
    let tail = &bytes[bytes
        .len()
        .saturating_sub(END_RECORD + usize::from(u16::MAX))..];
    let at = tail
        .windows(4)
        .rposition(|window| window == b"PK\x05\x06")?;
    let record = tail.get(at..at + END_RECORD)?;
    let count = u16::from_le_bytes([record[10], record[11]]);
    (count != u16::MAX).then_some(usize::from(count))
}

/// Reads the tar stream itself: the `tar` crate refuses archives that Go's `archive/tar` (and
/// so KFP) reads, such as KFP's own test archive with a stray pax header between members.
fn tar_gz_member(source: &Source, bytes: &[u8]) -> Result<Member, PipelineParseError> {
    let exceeded = Rc::new(Cell::new(false));
    let mut stream = Limited::new(
        flate2::read::MultiGzDecoder::new(bytes),
        MAX_DECOMPRESSED_BYTES,
        &exceeded,
    );
    let failed = |error: io::Error| match exceeded.get() {
        true => source.too_large(format!(
            "the archive decompresses to more than {}",
            mebibytes(MAX_DECOMPRESSED_BYTES)
        )),
        false => source.syntax(None, format!("not a valid .tar.gz archive: {error}")),
    };
    let mut header = [0u8; TAR_BLOCK];
    let (mut names, mut first_yaml, mut members) = (Vec::new(), None, 0);
    // Names that pax and GNU headers give the next member.
    let mut next_name: Option<String> = None;
    for block in 0.. {
        let more = match read_block(&mut stream, &mut header) {
            Ok(more) => more,
            // Less than one block: not a tar archive, as the checksum below says.
            Err(error) if block == 0 && error.kind() == io::ErrorKind::UnexpectedEof => true,
            Err(error) => return Err(failed(error)),
        };
        if !more || header == [0; TAR_BLOCK] {
            break;
        }
        if !is_tar_header(&header) {
            return Err(source.syntax(
                None,
                match block {
                    0 => "gzip-compressed, but not a tar archive; KFP takes .tar.gz, .tgz or .zip \
                          archives"
                        .to_owned(),
                    _ => format!(
                        "not a valid .tar.gz archive: a broken header after {members} files"
                    ),
                },
            ));
        }
        let size = tar_size(&header).ok_or_else(|| {
            source.syntax(None, "not a valid .tar.gz archive: a broken size field")
        })?;
        match header[156] {
            b'x' | b'L' => {
                let meta = read_data(&mut stream, size, MAX_TAR_META_BYTES).map_err(failed)?;
                let meta = meta.ok_or_else(|| source.too_large("a tar header is too long"))?;
                next_name = match header[156] {
                    b'x' => pax_path(&meta).or(next_name),
                    _ => Some(text_field(&meta)),
                };
                continue;
            }
            b'0' | b'\0' | b'7' => {}
            // Directories, links, global pax headers, devices: nothing to read.
            _ => {
                skip_data(&mut stream, size).map_err(failed)?;
                continue;
            }
        }
        members += 1;
        if members > MAX_ARCHIVE_MEMBERS {
            return Err(too_many_members(source));
        }
        let name = next_name.take().unwrap_or_else(|| header_name(&header));
        let pipeline = is_pipeline(&name);
        if !pipeline && (first_yaml.is_some() || !is_yaml(&name)) {
            skip_data(&mut stream, size).map_err(failed)?;
            names.push(name);
            continue;
        }
        let Some(bytes) = read_data(&mut stream, size, MAX_MEMBER_BYTES).map_err(failed)? else {
            return Err(member_too_large(source, &name));
        };
        let member = Member { name, bytes };
        if pipeline {
            return Ok(member);
        }
        first_yaml = Some(member);
    }
    first_yaml.ok_or_else(|| no_yaml(source, &names))
}

/// Longest pax or GNU long-name header read.
const MAX_TAR_META_BYTES: u64 = 1024 * 1024;

/// Fills `block`; false at a clean end of the stream.
fn read_block(stream: &mut impl Read, block: &mut [u8; TAR_BLOCK]) -> io::Result<bool> {
    let mut filled = 0;
    while filled < TAR_BLOCK {
        match stream.read(&mut block[filled..])? {
            0 if filled == 0 => return Ok(false),
            0 => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated archive",
                ));
            }
            read => filled += read,
        }
    }
    Ok(true)
}

/// A member's data (and its padding), or None when it is over `limit`, in which case the
/// stream is left where it is: the caller stops reading.
fn read_data(stream: &mut impl Read, size: u64, limit: u64) -> io::Result<Option<Vec<u8>>> {
    if size > limit {
        return Ok(None);
    }
    let mut data = Vec::with_capacity(size as usize);
    stream.take(size).read_to_end(&mut data)?;
    if (data.len() as u64) < size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "truncated archive",
        ));
    }
    skip_exactly(stream, padding(size))?;
    Ok(Some(data))
}

fn skip_data(stream: &mut impl Read, size: u64) -> io::Result<()> {
    skip_exactly(stream, size + padding(size))
}

fn skip_exactly(stream: &mut impl Read, count: u64) -> io::Result<()> {
    if io::copy(&mut stream.take(count), &mut io::sink())? < count {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "truncated archive",
        ));
    }
    Ok(())
}

fn padding(size: u64) -> u64 {
    (TAR_BLOCK as u64 - size % TAR_BLOCK as u64) % TAR_BLOCK as u64
}

/// The size field: octal text, or big-endian binary when its first byte has the high bit.
fn tar_size(header: &[u8; TAR_BLOCK]) -> Option<u64> {
    let field = &header[124..136];
    if field[0] & 0x80 != 0 {
        return field[1..].iter().try_fold(0u64, |size, &byte| {
            size.checked_mul(256)?.checked_add(u64::from(byte))
        });
    }
    let text = std::str::from_utf8(field).ok()?;
    let digits = text.trim_matches(|c: char| c == '\0' || c == ' ');
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, 8).ok()
}

/// `prefix/name` of a ustar header, or the plain name of an old one.
fn header_name(header: &[u8; TAR_BLOCK]) -> String {
    let name = text_field(&header[..100]);
    let prefix = match &header[257..262] {
        b"ustar" => text_field(&header[345..500]),
        _ => String::new(),
    };
    match prefix.is_empty() {
        true => name,
        false => format!("{prefix}/{name}"),
    }
}

/// Text up to the first NUL.
fn text_field(bytes: &[u8]) -> String {
    let end = bytes
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The `path` record of pax extended headers (`<length> path=<value>\n`…).
fn pax_path(mut records: &[u8]) -> Option<String> {
    let mut path = None;
    while !records.is_empty() {
        let space = records.iter().position(|&byte| byte == b' ')?;
        let length: usize = std::str::from_utf8(&records[..space]).ok()?.parse().ok()?;
        let record = records.get(space + 1..length)?;
        if let Some(value) = record.strip_prefix(b"path=") {
            let value = value.strip_suffix(b"\n").unwrap_or(value);
            path = Some(String::from_utf8_lossy(value).into_owned());
        }
        records = records.get(length..)?;
    }
    path
}

/// Whether a block is a tar header: its checksum (the bytes' sum, the checksum field counted
/// as spaces) matches.
fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < TAR_BLOCK {
        return false;
    }
    let written = std::str::from_utf8(&block[148..156])
        .ok()
        .map(|field| field.trim_matches(|c: char| c == '\0' || c == ' '))
        .and_then(|field| u32::from_str_radix(field, 8).ok());
    let sum: u32 = (block[..TAR_BLOCK].iter().enumerate())
        .map(|(at, &byte)| {
            if (148..156).contains(&at) {
                32
            } else {
                u32::from(byte)
            }
        })
        .sum();
    written == Some(sum)
}

/// Reads at most `limit` bytes, then fails (setting `exceeded`) if there is more.
struct Limited<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Limited<R> {
    fn new(inner: R, limit: u64, exceeded: &Rc<Cell<bool>>) -> Self {
        Self {
            inner,
            left: limit,
            exceeded: exceeded.clone(),
        }
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            if self.inner.read(&mut [0u8; 1])? == 0 {
                return Ok(0);
            }
            self.exceeded.set(true);
            return Err(io::Error::other("over the decompression limit"));
        }
        let most = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let read = self.inner.read(&mut buf[..most])?;
        self.left -= read as u64;
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_stops_at_the_limit() {
        let exceeded = Rc::new(Cell::new(false));
        let mut out = Vec::new();
        let result = Limited::new(&[7u8; 100][..], 64, &exceeded).read_to_end(&mut out);
        assert!(result.is_err() && exceeded.get());
        assert_eq!(out.len(), 64);

        let exceeded = Rc::new(Cell::new(false));
        let mut out = Vec::new();
        Limited::new(&[7u8; 64][..], 64, &exceeded)
            .read_to_end(&mut out)
            .expect("exactly the limit is fine");
        assert!(!exceeded.get());
    }

    #[test]
    fn tar_fields_are_read_like_go_does() {
        assert_eq!(
            pax_path(b"14 uid=589262\n19 path=dir/a.yaml\n"),
            Some("dir/a.yaml".into())
        );
        assert_eq!(pax_path(b"14 uid=589262\n"), None);
        let mut header = [0u8; TAR_BLOCK];
        header[124..136].copy_from_slice(b"00000002003\0");
        assert_eq!(tar_size(&header), Some(1027));
        header[124] = 0x80;
        header[124..136].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
        assert_eq!(tar_size(&header), Some(256));
        header[..8].copy_from_slice(b"name.yml");
        header[257..262].copy_from_slice(b"ustar");
        header[345..348].copy_from_slice(b"dir");
        assert_eq!(header_name(&header), "dir/name.yml");
        assert_eq!(padding(512), 0);
        assert_eq!(padding(513), 511);
    }

    #[test]
    fn members_are_chosen_as_kfp_does() {
        assert!(is_pipeline("pipeline.yaml") && is_pipeline("dir/pipeline.yaml"));
        assert!(!is_pipeline("my-pipeline.yaml"));
        assert!(is_yaml("A.YML") && is_yaml("b.yaml") && !is_yaml("c.json"));
    }
}
