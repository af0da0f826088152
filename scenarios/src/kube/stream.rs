//! Streams the items of a JSON document as kubectl prints it (`List`, `PodList`, …, a single
//! object, or a Prometheus response) without building one value of the whole file: each item is
//! buffered raw (at most [`MAX_ITEM_BYTES`]), handed over, and dropped.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::Read;
use std::rc::Rc;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// Largest item: Kubernetes stores objects up to 1.5 MiB (etcd's request limit); far above that.
pub const MAX_ITEM_BYTES: u64 = 16 << 20;

/// A reader that fails once more than the budget has been read since the last reset.
struct Budget<R> {
    inner: R,
    used: Rc<Cell<u64>>,
    limit: Rc<Cell<u64>>,
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n as u64);
        if self.used.get() > self.limit.get() {
            return Err(std::io::Error::other(format!(
                "an item is larger than {} MiB; Kubernetes objects are at most 1.5 MiB",
                MAX_ITEM_BYTES >> 20
            )));
        }
        Ok(n)
    }
}

/// What the top level of the document was.
#[derive(Debug, Default)]
pub struct Top {
    /// `kind` of the top-level object.
    pub kind: Option<String>,
    /// `apiVersion`.
    pub api_version: Option<String>,
    /// Items streamed.
    pub items: u64,
    /// The top-level object itself, when it had no `items` (a single object or a Prometheus
    /// response): its fields, raw.
    pub fields: Vec<(String, Box<RawValue>)>,
    /// Whether it had `items`.
    pub had_items: bool,
}

/// Why streaming stopped.
#[derive(Debug)]
pub enum StreamError<E> {
    /// The callback refused an item.
    Item(E),
    /// Not JSON, truncated, or an item too large: serde_json's message with line and column.
    Json(String),
}

struct TopSeed<'a, E> {
    on_item: &'a mut dyn FnMut(u64, &RawValue) -> Result<(), E>,
    failed: &'a RefCell<Option<E>>,
    used: Rc<Cell<u64>>,
    limit: Rc<Cell<u64>>,
}

impl<'de, E> DeserializeSeed<'de> for TopSeed<'_, E> {
    type Value = Top;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, E> Visitor<'de> for TopSeed<'_, E> {
    type Value = Top;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (kubectl -o json output)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut top = Top::default();
        // The top level's own fields share the item budget, reset per field.
        while let Some(key) = {
            self.used.set(0);
            map.next_key::<String>()?
        } {
            match key.as_str() {
                "items" => {
                    top.had_items = true;
                    top.items = map.next_value_seed(ItemsSeed {
                        on_item: &mut *self.on_item,
                        failed: self.failed,
                        used: self.used.clone(),
                    })?;
                }
                "kind" | "apiVersion" => {
                    let v: Option<String> = map.next_value()?;
                    if key == "kind" {
                        top.kind = v;
                    } else {
                        top.api_version = v;
                    }
                }
                _ => {
                    // A Prometheus range result can exceed an object's size: allow the whole file
                    // cap for the top level's other fields.
                    self.limit.set(u64::MAX);
                    let raw: Box<RawValue> = map.next_value()?;
                    self.limit.set(MAX_ITEM_BYTES);
                    top.fields.push((key, raw));
                }
            }
        }
        Ok(top)
    }
}

struct ItemsSeed<'a, E> {
    on_item: &'a mut dyn FnMut(u64, &RawValue) -> Result<(), E>,
    failed: &'a RefCell<Option<E>>,
    used: Rc<Cell<u64>>,
}

impl<'de, E> DeserializeSeed<'de> for ItemsSeed<'_, E> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, E> Visitor<'de> for ItemsSeed<'_, E> {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }
    fn visit_unit<Er: serde::de::Error>(self) -> Result<u64, Er> {
        Ok(0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
        let mut n = 0u64;
        loop {
            self.used.set(0);
            let Some(raw) = seq.next_element::<Box<RawValue>>()? else {
                break;
            };
            if let Err(e) = (self.on_item)(n, &raw) {
                *self.failed.borrow_mut() = Some(e);
                return Err(serde::de::Error::custom("stopped"));
            }
            n += 1;
        }
        Ok(n)
    }
}

/// Streams `reader`'s items to `on_item` (index, raw item) and returns the top level.
pub fn stream<R: Read, E>(
    reader: R,
    on_item: &mut dyn FnMut(u64, &RawValue) -> Result<(), E>,
) -> Result<Top, StreamError<E>> {
    let used = Rc::new(Cell::new(0));
    let limit = Rc::new(Cell::new(MAX_ITEM_BYTES));
    let budget = Budget {
        inner: std::io::BufReader::with_capacity(1 << 16, reader),
        used: used.clone(),
        limit: limit.clone(),
    };
    let failed = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_reader(budget);
    let r = TopSeed {
        on_item,
        failed: &failed,
        used,
        limit,
    }
    .deserialize(&mut de)
    .and_then(|t| de.end().map(|_| t));
    match (r, failed.into_inner()) {
        (_, Some(e)) => Err(StreamError::Item(e)),
        (Ok(t), None) => Ok(t),
        (Err(e), None) => Err(StreamError::Json(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str) -> Result<(Top, Vec<String>), StreamError<String>> {
        let mut got = Vec::new();
        let top = stream(text.as_bytes(), &mut |_, raw: &RawValue| {
            got.push(raw.get().to_string());
            Ok::<(), String>(())
        })?;
        Ok((top, got))
    }

    #[test]
    fn list_items_stream_in_order_and_kind_may_follow() {
        let (top, got) =
            items(r#"{"apiVersion":"v1","items":[{"kind":"Pod"},{"kind":"Node"}],"kind":"List"}"#)
                .unwrap();
        assert_eq!(got, [r#"{"kind":"Pod"}"#, r#"{"kind":"Node"}"#]);
        assert_eq!(top.kind.as_deref(), Some("List"));
        assert!(top.had_items);
    }

    #[test]
    fn single_object_keeps_its_fields() {
        let (top, got) = items(r#"{"kind":"Pod","metadata":{"name":"a"}}"#).unwrap();
        assert!(got.is_empty() && !top.had_items);
        assert_eq!(top.fields[0].0, "metadata");
    }

    #[test]
    fn truncated_and_not_json_are_located() {
        let Err(StreamError::Json(m)) = items(r#"{"items":[{"kind":"Pod"},"#) else {
            panic!()
        };
        assert!(m.contains("line 1"), "{m}");
        assert!(matches!(items("NAME CPU"), Err(StreamError::Json(_))));
        assert!(matches!(items("{} trailing"), Err(StreamError::Json(_))));
    }

    #[test]
    fn an_item_over_the_cap_is_refused_without_reading_it_whole() {
        let big = format!(
            r#"{{"items":[{{"x":"{}"}}]}}"#,
            "a".repeat(MAX_ITEM_BYTES as usize + 10)
        );
        let Err(StreamError::Json(m)) = items(&big) else {
            panic!()
        };
        assert!(m.contains("larger than"), "{m}");
    }
}
