//! CTranslate2's `model.bin`: the variable index, and each variable's data
//! on demand.
//!
//! The layout is the one `ctranslate2.specs.model_spec.ModelSpec._serialize`
//! writes and `ctranslate2::models::Model::load` reads, all little-endian:
//!
//! ```text
//! u32 binary version (4..=6 here: the dtype is stored as an id)
//! str spec name ("WhisperSpec"), u32 spec revision
//! u32 variable count, then per variable:
//!     str name, u8 rank, u32 dims[rank], u8 dtype id, u32 byte count, bytes
//! u32 alias count, then per alias: str alias, str variable name
//! ```
//!
//! where `str` is a u16 length counting a trailing NUL, then the bytes and
//! the NUL. Only the index is read when the file is opened; the data stays
//! on disk until a tensor is converted.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The binary versions whose layout this reader knows. Versions 1-3 stored
/// an item size instead of a dtype; no Whisper model was ever written so.
const VERSIONS: Range<u32> = 4..7;
/// Sanity limits: a real model is far below them; garbage is usually above.
const MAX_VARIABLES: u32 = 1_000_000;
const MAX_RANK: u8 = 8;

/// A CTranslate2 element type (the ids of `ctranslate2::DataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    F32,
    I8,
    I16,
    I32,
    F16,
    BF16,
}

impl DType {
    fn from_id(id: u8) -> Option<DType> {
        Some(match id {
            0 => DType::F32,
            1 => DType::I8,
            2 => DType::I16,
            3 => DType::I32,
            4 => DType::F16,
            5 => DType::BF16,
            _ => return None,
        })
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I16 | DType::F16 | DType::BF16 => 2,
            DType::F32 | DType::I32 => 4,
        }
    }

    /// CTranslate2's name for it.
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::I8 => "int8",
            DType::I16 => "int16",
            DType::I32 => "int32",
            DType::F16 => "float16",
            DType::BF16 => "bfloat16",
        }
    }
}

/// One variable of the model: where its data is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: DType,
    /// Byte offset of the data in the file.
    pub offset: u64,
}

impl Variable {
    /// Elements in total.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// A scalar or a zero-sized variable.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first dimension (1 for a scalar): quantisation scales are per row.
    pub fn rows(&self) -> usize {
        self.shape.first().copied().unwrap_or(1)
    }

    /// Elements per row.
    pub fn row_len(&self) -> usize {
        self.shape.iter().skip(1).product()
    }
}

/// An opened `model.bin`: its header, variable index and aliases.
#[derive(Debug)]
pub struct Ct2File {
    path: PathBuf,
    file: File,
    pub binary_version: u32,
    pub spec: String,
    pub revision: u32,
    variables: Vec<Variable>,
    by_name: HashMap<String, usize>,
    aliases: HashMap<String, String>,
}

impl Ct2File {
    /// Reads the index of `path`; the data is read later, tensor by tensor.
    pub fn open(path: &Path) -> Result<Ct2File> {
        let file = File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => Error::Missing {
                path: path.to_path_buf(),
                what: "the CTranslate2 weights",
            },
            _ => Error::io(path, e),
        })?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let mut reader = Reader {
            inner: BufReader::new(&file),
            path,
            pos: 0,
            len,
        };
        let header = reader.header()?;
        let variables = reader.variables(header.count)?;
        let aliases = reader.aliases()?;
        let by_name = variables
            .iter()
            .enumerate()
            .map(|(i, v)| (v.name.clone(), i))
            .collect();
        Ok(Ct2File {
            path: path.to_path_buf(),
            file,
            binary_version: header.version,
            spec: header.spec,
            revision: header.revision,
            variables,
            by_name,
            aliases,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every variable, in file order (aliases not included).
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// The variable called `name`, following an alias.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        let name = self.aliases.get(name).map_or(name, String::as_str);
        self.by_name.get(name).map(|&i| &self.variables[i])
    }

    /// `name -> variable` aliases (shared weights).
    pub fn aliases(&self) -> &HashMap<String, String> {
        &self.aliases
    }

    /// The raw bytes of rows `rows` of `var`.
    pub fn read_rows(&self, var: &Variable, rows: Range<usize>) -> Result<Vec<u8>> {
        let row_bytes = (var.row_len() * var.dtype.size()) as u64;
        let start = var.offset + rows.start as u64 * row_bytes;
        let mut buf = vec![0u8; rows.len() * row_bytes as usize];
        let mut file = &self.file;
        file.seek(SeekFrom::Start(start))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(buf)
    }

    /// A whole variable as `f32` values (small tensors, scales, scalars).
    pub fn read_f32(&self, var: &Variable) -> Result<Vec<f32>> {
        let raw = self.read_rows(var, 0..var.rows())?;
        decode(&raw, var.dtype).ok_or_else(|| {
            Error::unsupported(
                &self.path,
                format!("{}: {} is not a number type", var.name, var.dtype.name()),
            )
        })
    }

    /// A scalar integer variable (e.g. `encoder/num_heads`).
    pub fn read_int(&self, name: &str) -> Result<Option<i64>> {
        let Some(var) = self.get(name) else {
            return Ok(None);
        };
        let raw = self.read_rows(var, 0..var.rows())?;
        let value = match var.dtype {
            DType::I8 => raw.first().map(|&b| i64::from(b as i8)),
            DType::I16 => raw
                .get(..2)
                .map(|b| i64::from(i16::from_le_bytes([b[0], b[1]]))),
            DType::I32 => raw
                .get(..4)
                .map(|b| i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            _ => None,
        };
        Ok(value)
    }
}

/// Little-endian values to `f32`; `None` for integer types.
pub fn decode(raw: &[u8], dtype: DType) -> Option<Vec<f32>> {
    let out = match dtype {
        DType::F32 => raw
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        DType::F16 => raw
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        DType::BF16 => raw
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        DType::I8 | DType::I16 | DType::I32 => return None,
    };
    Some(out)
}

struct Header {
    version: u32,
    spec: String,
    revision: u32,
    count: u32,
}

/// Reads the index, turning a short read into "truncated" with context.
struct Reader<'f> {
    inner: BufReader<&'f File>,
    path: &'f Path,
    pos: u64,
    len: u64,
}

impl Reader<'_> {
    fn header(&mut self) -> Result<Header> {
        if self.len < 4 {
            return Err(self.not_ct2(&format!("only {} bytes long", self.len)));
        }
        let version = self.u32("the header")?;
        if !VERSIONS.contains(&version) {
            return Err(self.version_error(version));
        }
        let spec = self.string("the header")?;
        let revision = self.u32("the header")?;
        let count = self.u32("the header")?;
        if count > MAX_VARIABLES {
            return Err(self.not_ct2(&format!("it claims {count} variables")));
        }
        Ok(Header {
            version,
            spec,
            revision,
            count,
        })
    }

    fn version_error(&self, version: u32) -> Error {
        match version {
            1..=3 => Error::unsupported(
                self.path,
                format!(
                    "CTranslate2 binary version {version} is too old (4 to 6 are supported); \
                     convert the model again with a recent ctranslate2"
                ),
            ),
            7..=99 => Error::unsupported(
                self.path,
                format!(
                    "CTranslate2 binary version {version} is newer than this converter knows (4 to 6)"
                ),
            ),
            _ => self.not_ct2(&format!(
                "it starts with {version:#010x}, not a format version"
            )),
        }
    }

    fn variables(&mut self, count: u32) -> Result<Vec<Variable>> {
        let mut variables = Vec::with_capacity(count.min(4096) as usize);
        for index in 0..count {
            variables.push(self.variable(index)?);
        }
        Ok(variables)
    }

    fn variable(&mut self, index: u32) -> Result<Variable> {
        let at = format!("variable #{index}");
        let name = self.string(&at)?;
        let at = format!("variable '{name}'");
        let rank = self.u8(&at)?;
        if rank > MAX_RANK {
            return Err(self.not_ct2(&format!("{at} claims {rank} dimensions")));
        }
        let shape = (0..rank)
            .map(|_| self.u32(&at).map(|d| d as usize))
            .collect::<Result<Vec<_>>>()?;
        let id = self.u8(&at)?;
        let dtype = DType::from_id(id)
            .ok_or_else(|| self.not_ct2(&format!("{at} has an unknown data type id {id}")))?;
        let bytes = u64::from(self.u32(&at)?);
        let expected = shape
            .iter()
            .try_fold(dtype.size() as u64, |n, &d| n.checked_mul(d as u64));
        if expected != Some(bytes) {
            return Err(Error::bad(
                self.path,
                format!(
                    "{at}: {bytes} bytes of data do not fit its shape {shape:?} of {}",
                    dtype.name()
                ),
            ));
        }
        let offset = self.pos;
        self.skip(bytes, &at)?;
        Ok(Variable {
            name,
            shape,
            dtype,
            offset,
        })
    }

    fn aliases(&mut self) -> Result<HashMap<String, String>> {
        let count = self.u32("the alias table")?;
        if count > MAX_VARIABLES {
            return Err(self.not_ct2(&format!("it claims {count} aliases")));
        }
        let mut aliases = HashMap::new();
        for _ in 0..count {
            let alias = self.string("the alias table")?;
            let target = self.string("the alias table")?;
            aliases.insert(alias, target);
        }
        Ok(aliases)
    }

    fn not_ct2(&self, why: &str) -> Error {
        Error::bad(self.path, format!("not a CTranslate2 model.bin: {why}"))
    }

    fn truncated(&self, at: &str) -> Error {
        Error::bad(
            self.path,
            format!(
                "truncated: the file ends at byte {} inside {at} (a partial download or copy?)",
                self.len
            ),
        )
    }

    fn read(&mut self, buf: &mut [u8], at: &str) -> Result<()> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.pos += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.truncated(at)),
            Err(e) => Err(Error::io(self.path, e)),
        }
    }

    fn skip(&mut self, bytes: u64, at: &str) -> Result<()> {
        if self.pos + bytes > self.len {
            return Err(self.truncated(at));
        }
        let step = i64::try_from(bytes).map_err(|_| self.truncated(at))?;
        self.inner
            .seek_relative(step)
            .map_err(|e| Error::io(self.path, e))?;
        self.pos += bytes;
        Ok(())
    }

    fn u8(&mut self, at: &str) -> Result<u8> {
        let mut b = [0u8; 1];
        self.read(&mut b, at)?;
        Ok(b[0])
    }

    fn u32(&mut self, at: &str) -> Result<u32> {
        let mut b = [0u8; 4];
        self.read(&mut b, at)?;
        Ok(u32::from_le_bytes(b))
    }

    fn string(&mut self, at: &str) -> Result<String> {
        let mut b = [0u8; 2];
        self.read(&mut b, at)?;
        let len = u16::from_le_bytes(b) as usize;
        if len == 0 {
            return Err(self.not_ct2(&format!("a string of length 0 in {at}")));
        }
        let mut bytes = vec![0u8; len];
        self.read(&mut bytes, at)?;
        if bytes.pop() != Some(0) {
            return Err(self.not_ct2(&format!("a string without its NUL in {at}")));
        }
        String::from_utf8(bytes)
            .map_err(|_| self.not_ct2(&format!("a string that is not UTF-8 in {at}")))
    }
}
