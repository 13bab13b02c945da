//! Just enough HTML reading for tests that walk pages as a browser would: the links and the
//! forms of a page our templates rendered (attributes in double quotes, handlebars' escapes).

/// A field of a form.
#[derive(Debug, Clone)]
pub enum Field {
    /// `<input>` (and a `<button>` with a name): its type, name, value, and for a checkbox or
    /// a radio button whether it is checked.
    Input {
        kind: String,
        name: String,
        value: String,
        checked: bool,
    },
    /// `<select>`: its options (value, selected) and whether several may be chosen.
    Select {
        name: String,
        options: Vec<(String, bool)>,
        multiple: bool,
    },
    /// `<textarea>` and its text.
    Textarea { name: String, value: String },
}

/// A form: its method (lower case), its action and its fields in order.
#[derive(Debug, Clone)]
pub struct Form {
    pub method: String,
    pub action: String,
    pub fields: Vec<Field>,
}

impl Form {
    /// The value of the hidden (or other) input `name`, if the form has one.
    pub fn input(&self, name: &str) -> Option<&str> {
        self.fields.iter().find_map(|f| match f {
            Field::Input { name: n, value, .. } if n == name => Some(value.as_str()),
            _ => None,
        })
    }

    /// What submitting the form as shown sends: inputs with their values (a checkbox or radio
    /// button only when checked, buttons never), each select's chosen options (the first
    /// when none is marked), each textarea's text.
    pub fn as_shown(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for f in &self.fields {
            match f {
                Field::Input {
                    kind,
                    name,
                    value,
                    checked,
                } => {
                    let sent = match kind.as_str() {
                        "checkbox" | "radio" => *checked,
                        "submit" | "button" | "reset" => false,
                        _ => true,
                    };
                    if sent && !name.is_empty() {
                        out.push((name.clone(), value.clone()));
                    }
                }
                Field::Select {
                    name,
                    options,
                    multiple,
                } => {
                    let chosen: Vec<&String> =
                        options.iter().filter(|(_, s)| *s).map(|(v, _)| v).collect();
                    if !chosen.is_empty() {
                        out.extend(chosen.into_iter().map(|v| (name.clone(), v.clone())));
                    } else if let (false, Some((v, _))) = (*multiple, options.first()) {
                        out.push((name.clone(), v.clone()));
                    }
                }
                Field::Textarea { name, value } => out.push((name.clone(), value.clone())),
            }
        }
        out
    }
}

/// Undo handlebars' escapes (and the few named entities the templates write).
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#x60;", "`")
        .replace("&#x3D;", "=")
        .replace("&amp;", "&")
}

/// The attributes of a start tag's text (what follows the tag name, up to `>`): name and
/// value, an attribute without a value as empty.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag.trim_start();
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| c == '=' || c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..end].to_ascii_lowercase();
        rest = &rest[end..];
        let mut value = String::new();
        if let Some(r) = rest.strip_prefix("=\"") {
            let close = r.find('"').unwrap_or(r.len());
            value = unescape(&r[..close]);
            rest = &r[(close + 1).min(r.len())..];
        }
        if !name.is_empty() {
            out.push((name, value));
        }
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/' || c == '>');
    }
    out
}

fn attr<'a>(attrs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Every start tag `<name …>` in `html`: where it starts, its attributes and where it ends.
fn tags<'a>(
    html: &'a str,
    name: &'a str,
) -> impl Iterator<Item = (usize, Vec<(String, String)>, usize)> + 'a {
    let open = format!("<{name}");
    let mut at = 0;
    std::iter::from_fn(move || loop {
        let start = html[at..].find(&open)? + at;
        let after = start + open.len();
        let next = html[after..].chars().next()?;
        at = after;
        if !(next.is_whitespace() || next == '>') {
            continue;
        }
        let end = html[after..].find('>')? + after;
        at = end + 1;
        return Some((start, attributes(&html[after..end]), end + 1));
    })
}

/// The `href` of every link.
pub fn links(html: &str) -> Vec<String> {
    tags(html, "a")
        .filter_map(|(_, a, _)| attr(&a, "href").map(str::to_string))
        .collect()
}

/// Every form with its fields.
pub fn forms(html: &str) -> Vec<Form> {
    tags(html, "form")
        .map(|(_, a, body_start)| {
            let body_end = html[body_start..]
                .find("</form>")
                .map_or(html.len(), |e| e + body_start);
            let body = &html[body_start..body_end];
            Form {
                method: attr(&a, "method").unwrap_or("get").to_ascii_lowercase(),
                action: attr(&a, "action").unwrap_or_default().to_string(),
                fields: fields(body),
            }
        })
        .collect()
}

fn fields(body: &str) -> Vec<Field> {
    let mut found: Vec<(usize, Field)> = Vec::new();
    for (at, a, _) in tags(body, "input").chain(tags(body, "button")) {
        let kind = attr(&a, "type").unwrap_or("text").to_ascii_lowercase();
        found.push((
            at,
            Field::Input {
                kind,
                name: attr(&a, "name").unwrap_or_default().to_string(),
                value: attr(&a, "value").unwrap_or_default().to_string(),
                checked: attr(&a, "checked").is_some(),
            },
        ));
    }
    for (at, a, end) in tags(body, "select") {
        let close = body[end..]
            .find("</select>")
            .map_or(body.len(), |e| e + end);
        let options = tags(&body[end..close], "option")
            .map(|(_, o, _)| {
                (
                    attr(&o, "value").unwrap_or_default().to_string(),
                    attr(&o, "selected").is_some(),
                )
            })
            .collect();
        found.push((
            at,
            Field::Select {
                name: attr(&a, "name").unwrap_or_default().to_string(),
                options,
                multiple: attr(&a, "multiple").is_some(),
            },
        ));
    }
    for (at, a, end) in tags(body, "textarea") {
        let close = body[end..]
            .find("</textarea>")
            .map_or(body.len(), |e| e + end);
        found.push((
            at,
            Field::Textarea {
                name: attr(&a, "name").unwrap_or_default().to_string(),
                value: unescape(&body[end..close]),
            },
        ));
    }
    found.sort_by_key(|(at, _)| *at);
    found.into_iter().map(|(_, f)| f).collect()
}

#[test]
fn forms_and_links_are_read_as_a_browser_would() {
    let page = r#"<a href="/x?a=1&amp;b=2">x</a><abbr title="t">t</abbr>
<form class="entry" method="post" action="/firms/1/edit" novalidate>
  <input type="hidden" name="_csrf" value="c">
  <input id="f-name" name="name" type="text" value="A &amp; B">
  <input type="checkbox" name="confirm" value="yes">
  <select id="f-s" name="s"><option value="">-</option><option value="b" selected>B</option></select>
  <select name="m" multiple><option value="1">1</option></select>
  <textarea name="t">x &lt; y</textarea>
  <button type="submit">Save</button>
</form>"#;
    assert_eq!(links(page), vec!["/x?a=1&b=2".to_string()]);
    let f = &forms(page)[0];
    assert_eq!(
        (f.method.as_str(), f.action.as_str()),
        ("post", "/firms/1/edit")
    );
    assert_eq!(f.input("name"), Some("A & B"));
    let sent: Vec<(String, String)> = f.as_shown();
    let pairs: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        pairs,
        vec![
            ("_csrf", "c"),
            ("name", "A & B"),
            ("s", "b"),
            ("t", "x < y")
        ]
    );
}
