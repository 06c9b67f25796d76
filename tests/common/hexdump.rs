//! Parser for the `examples/*.hex` dumps written by lab/pcaptool.py (`%04x  <hex>  <ascii>`).

/// One example file: the comment lines and the byte runs (the message, then any bytes
/// the sender wrote after it, announced by "# followed on the wire by").
pub struct HexExample {
    pub comments: Vec<String>,
    pub message: Vec<u8>,
    pub following: Vec<u8>,
}

pub fn parse(text: &str) -> HexExample {
    let mut ex = HexExample {
        comments: Vec::new(),
        message: Vec::new(),
        following: Vec::new(),
    };
    let mut in_following = false;
    for line in text.lines() {
        if let Some(c) = line.strip_prefix('#') {
            if c.trim_start().starts_with("followed on the wire by") {
                in_following = true;
            }
            ex.comments.push(c.trim().to_string());
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        // "%04x  %-47s  %s": offset, two spaces, 47 columns of hex
        let hex = line.get(6..(6 + 47).min(line.len())).unwrap_or("");
        let target = if in_following {
            &mut ex.following
        } else {
            &mut ex.message
        };
        let offset = usize::from_str_radix(&line[..4], 16).expect("offset");
        assert_eq!(offset, target.len(), "offset column in {line:?}");
        target.extend(super::unhex(hex));
    }
    ex
}
