//! The CSV files coordinators import (stations, rewards, categories, ...): a header row naming
//! every column, then one record per line. This module checks the shape (header, field count,
//! encoding) and hands each capability rows whose fields it can ask for by name; a field that
//! does not parse is reported by line, column and name. A UTF-8 byte-order mark (Excel adds one)
//! is accepted.

use csv::{ReaderBuilder, StringRecord, Trim};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("the file is empty: its first line must be the header {header}")]
    Empty { header: String },
    #[error("line 1: column {missing} is missing (the header must be {header})")]
    MissingColumn { missing: String, header: String },
    #[error("line 1, column {col}: unknown column {name:?} (the header must be {header})")]
    UnknownColumn {
        col: usize,
        name: String,
        header: String,
    },
    #[error("line 1, column {col}: column {name} appears twice")]
    DuplicateColumn { col: usize, name: String },
    #[error("the file has a header but no rows")]
    NoRows,
    #[error("line {line}: {why}")]
    Line { line: u64, why: String },
    #[error("line {line}, column {col} ({name}): {why}")]
    Field {
        line: u64,
        col: usize,
        name: String,
        why: String,
    },
}

/// A file whose header has been checked against the expected columns.
#[derive(Debug)]
pub struct CsvFile {
    /// For each expected column, its position in the file.
    positions: Vec<usize>,
    columns: &'static [&'static str],
    rows: Vec<(u64, StringRecord)>,
}

/// One record, with its line number, read through the expected column names.
pub struct Row<'a> {
    file: &'a CsvFile,
    pub line: u64,
    record: &'a StringRecord,
}

impl CsvFile {
    /// Reads `bytes`, which must start with a header holding exactly `columns` (in any order).
    pub fn read(bytes: &[u8], columns: &'static [&'static str]) -> Result<CsvFile, CsvError> {
        let header = columns.join(",");
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(CsvError::Empty { header });
        }
        let mut reader = ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(Trim::All)
            .from_reader(bytes);
        let mut records = reader.records();
        let first = match records.next() {
            Some(Ok(r)) => r,
            Some(Err(e)) => return Err(csv_error(e)),
            None => return Err(CsvError::Empty { header }),
        };
        for (i, name) in first.iter().enumerate() {
            if !columns.contains(&name) {
                return Err(CsvError::UnknownColumn {
                    col: i + 1,
                    name: name.to_owned(),
                    header,
                });
            }
            if first.iter().take(i).any(|n| n == name) {
                return Err(CsvError::DuplicateColumn {
                    col: i + 1,
                    name: name.to_owned(),
                });
            }
        }
        let mut positions = Vec::with_capacity(columns.len());
        for col in columns {
            match first.iter().position(|n| n == *col) {
                Some(p) => positions.push(p),
                None => {
                    return Err(CsvError::MissingColumn {
                        missing: (*col).to_owned(),
                        header,
                    })
                }
            }
        }
        let mut rows = Vec::new();
        for record in records {
            let record = record.map_err(csv_error)?;
            let line = record.position().map_or(0, |p| p.line());
            // A blank line (or one of only commas) is skipped, as spreadsheets leave them.
            if record.iter().all(str::is_empty) {
                continue;
            }
            if record.len() != first.len() {
                return Err(CsvError::Line {
                    line,
                    why: format!(
                        "{} fields, but the header has {} (a comma inside a value needs \"quotes\")",
                        record.len(),
                        first.len()
                    ),
                });
            }
            rows.push((line, record));
        }
        if rows.is_empty() {
            return Err(CsvError::NoRows);
        }
        Ok(CsvFile {
            positions,
            columns,
            rows,
        })
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |(line, record)| Row {
            file: self,
            line: *line,
            record,
        })
    }
}

impl Row<'_> {
    fn index(&self, name: &str) -> usize {
        self.file
            .columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("column {name} is not one of this file's columns"))
    }

    /// The trimmed text of column `name` (a programming error if the file has no such column).
    pub fn get(&self, name: &str) -> &str {
        let pos = self.file.positions[self.index(name)];
        self.record.get(pos).unwrap_or_default()
    }

    /// The column's text, or `None` when it is empty.
    pub fn optional(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// An error about column `name` of this row.
    pub fn error(&self, name: &str, why: impl Into<String>) -> CsvError {
        CsvError::Field {
            line: self.line,
            col: self.file.positions[self.index(name)] + 1,
            name: name.to_owned(),
            why: why.into(),
        }
    }

    /// An error about the whole row.
    pub fn line_error(&self, why: impl Into<String>) -> CsvError {
        CsvError::Line {
            line: self.line,
            why: why.into(),
        }
    }

    /// Column `name`, required and at most `max` characters.
    pub fn text(&self, name: &str, max: usize) -> Result<&str, CsvError> {
        let v = self.get(name);
        if v.is_empty() {
            return Err(self.error(name, "is empty"));
        }
        self.check_len(name, v, max)?;
        Ok(v)
    }

    /// Column `name`, optional and at most `max` characters.
    pub fn optional_text(&self, name: &str, max: usize) -> Result<Option<&str>, CsvError> {
        match self.optional(name) {
            Some(v) => self.check_len(name, v, max).map(|_| Some(v)),
            None => Ok(None),
        }
    }

    /// Column `name` as a code (`parse` says what a code is), unique in the file: `seen` holds
    /// the codes of the rows before and their lines.
    pub fn unique_code<T: Clone + Eq + std::hash::Hash + std::fmt::Display>(
        &self,
        name: &str,
        seen: &mut std::collections::HashMap<T, u64>,
        parse: fn(&str) -> Option<T>,
    ) -> Result<T, CsvError> {
        let raw = self.get(name);
        let code = parse(raw).ok_or_else(|| {
            self.error(
                name,
                format!("{raw:?} is not a code (1-24 letters, digits, - or _)"),
            )
        })?;
        if let Some(first) = seen.insert(code.clone(), self.line) {
            return Err(self.error(name, format!("code {code} already appears on line {first}")));
        }
        Ok(code)
    }

    /// Column `name` as true or false (`true`/`false`, `1`/`0`, `yes`/`no`, `y`/`n`).
    pub fn flag(&self, name: &str) -> Result<bool, CsvError> {
        match self.get(name).to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" => Ok(true),
            "0" | "false" | "no" | "n" => Ok(false),
            other => Err(self.error(name, format!("{other:?} is not true or false (or 1 or 0)"))),
        }
    }

    /// Column `name` as a whole number in `range`.
    pub fn whole_number(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, CsvError> {
        let raw = self.get(name);
        raw.parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                self.error(
                    name,
                    format!(
                        "{raw:?} is not a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    fn check_len(&self, name: &str, v: &str, max: usize) -> Result<(), CsvError> {
        let n = v.chars().count();
        if n > max {
            return Err(self.error(name, format!("is {n} characters long; at most {max}")));
        }
        Ok(())
    }
}

fn csv_error(e: csv::Error) -> CsvError {
    let line = e.position().map_or(0, |p| p.line());
    let why = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not UTF-8 text (save the file as CSV UTF-8)".to_owned(),
        _ => e.to_string(),
    };
    CsvError::Line { line, why }
}

/// Why an import or export failed: the file (by line and column), or the database.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Runs a capability's CSV writer into memory.
pub fn to_bytes(
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), csv::Error>,
) -> Result<Vec<u8>, ImportError> {
    let mut out = Vec::new();
    write(&mut out).map_err(|e| {
        ImportError::Csv(CsvError::Line {
            line: 0,
            why: e.to_string(),
        })
    })?;
    Ok(out)
}

/// Writes `rows` under `columns` as CSV text.
/// How a true/false column is written.
pub fn flag(on: bool) -> String {
    if on { "true" } else { "false" }.to_owned()
}

pub fn write<W: std::io::Write>(
    out: W,
    columns: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(columns)?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: &[&str] = &["code", "name", "cost"];

    #[test]
    fn reads_columns_by_name_in_any_order_with_a_bom() {
        let file = CsvFile::read(b"\xEF\xBB\xBFcost,code,name\n5, A ,Water\n\n", COLS).unwrap();
        let rows: Vec<_> = file.rows().collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].get("code"), "A");
        assert_eq!(rows[0].get("cost"), "5");
        assert_eq!(rows[0].line, 2);
        match rows[0].error("name", "bad") {
            CsvError::Field { line, col, .. } => assert_eq!((line, col), (2, 3)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn shape_errors_name_the_line() {
        assert!(matches!(
            CsvFile::read(b"", COLS),
            Err(CsvError::Empty { .. })
        ));
        assert!(matches!(
            CsvFile::read(b"\xEF\xBB\xBF\n", COLS),
            Err(CsvError::Empty { .. })
        ));
        assert!(matches!(
            CsvFile::read(b"code,name\nA,B\n", COLS),
            Err(CsvError::MissingColumn { ref missing, .. }) if missing == "cost"
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost,extra\n", COLS),
            Err(CsvError::UnknownColumn { col: 4, .. })
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost\n", COLS),
            Err(CsvError::NoRows)
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost\nA,B,1\nC,D\n", COLS),
            Err(CsvError::Line { line: 3, .. })
        ));
        assert!(matches!(
            CsvFile::read(b"code,name,cost\nA,\xFF,1\n", COLS),
            Err(CsvError::Line { line: 2, .. })
        ));
    }

    #[test]
    fn written_files_read_back() {
        let mut out = Vec::new();
        write(
            &mut out,
            COLS,
            [vec!["A".into(), "Water, cold".into(), "5".into()]],
        )
        .unwrap();
        let file = CsvFile::read(&out, COLS).unwrap();
        assert_eq!(file.rows().next().unwrap().get("name"), "Water, cold");
    }
}
