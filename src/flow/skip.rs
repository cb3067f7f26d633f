//! Which requests skip authentication: a method set and anchored, segment-aware patterns.
//!
//! Patterns are matched against the route template axum matched ([`MatchedPath`]) when the
//! layer runs inside a `Router`; otherwise against the raw path, where any path that a proxy or
//! a normaliser could read differently (dot segments, `//`, `%`, `;`, `\`) never matches.

use axum::extract::MatchedPath;
use http::{Method, Request};

use crate::error::{ConfigError, PatternProblem};

#[derive(Debug, Clone)]
enum Pattern {
    /// `/login`: this path only.
    Exact(String),
    /// `/schema/*`: `/schema` and everything below it, segment-aware.
    Prefix(String),
    /// `/users/{id}`: a route template; `{x}` is one segment, `{*x}` the rest.
    Template(Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct Excludes {
    methods: Vec<Method>,
    patterns: Vec<Pattern>,
}

fn invalid(pattern: &str, problem: PatternProblem) -> ConfigError {
    ConfigError::InvalidExcludePattern {
        pattern: pattern.to_owned(),
        problem,
    }
}

fn parse(pattern: &str, allow_all: bool) -> Result<Pattern, ConfigError> {
    if !pattern.starts_with('/') {
        return Err(invalid(pattern, PatternProblem::NotAnchored));
    }
    if pattern.contains(['%', '?', '#', ';', '\\', ' ']) {
        return Err(invalid(pattern, PatternProblem::ForbiddenCharacter));
    }
    let (base, prefix) = match pattern.strip_suffix("/*") {
        Some(base) => (base, true),
        None => (pattern, false),
    };
    let segments: Vec<&str> = base.split('/').skip(1).collect();
    let everything =
        base.is_empty() || base == "/" || (segments.len() == 1 && segments[0].starts_with("{*"));
    if everything {
        if !allow_all {
            return Err(ConfigError::ExcludesEverything(pattern.to_owned()));
        }
        return Ok(Pattern::Prefix(String::new()));
    }
    for (i, segment) in segments.iter().enumerate() {
        if segment.is_empty() && i + 1 != segments.len() {
            return Err(invalid(pattern, PatternProblem::EmptySegment));
        }
        if *segment == "." || *segment == ".." {
            return Err(invalid(pattern, PatternProblem::DotSegment));
        }
        if segment.contains('*') && !(segment.starts_with("{*") && i + 1 == segments.len()) {
            return Err(invalid(pattern, PatternProblem::MisplacedWildcard));
        }
        let braces = segment.contains(['{', '}']);
        if braces && !(segment.starts_with('{') && segment.ends_with('}') && segment.len() > 2) {
            return Err(invalid(pattern, PatternProblem::PartialParameter));
        }
    }
    let template = segments.iter().any(|s| s.starts_with('{'));
    Ok(match (template, prefix) {
        (true, true) => return Err(invalid(pattern, PatternProblem::TemplateWithWildcard)),
        (true, false) => Pattern::Template(segments.into_iter().map(str::to_owned).collect()),
        (false, true) => Pattern::Prefix(base.to_owned()),
        (false, false) => Pattern::Exact(base.to_owned()),
    })
}

/// A raw path that two readers could disagree on.
fn ambiguous(path: &str) -> bool {
    path.contains(['%', ';', '\\'])
        || path.contains("//")
        || path.split('/').any(|s| s == "." || s == "..")
}

impl Pattern {
    /// Matches a path that is either a matched route template or an unambiguous raw path.
    fn matches(&self, path: &str, is_template: bool) -> bool {
        match self {
            Self::Exact(exact) => path == exact,
            Self::Prefix(base) => {
                path == base
                    || (path.starts_with(base.as_str()) && path[base.len()..].starts_with('/'))
            }
            Self::Template(template) if is_template => {
                // Parameter names may differ between the pattern and the route.
                let same = |a: &str, b: &str| {
                    a == b
                        || (a.starts_with("{*") && b.starts_with("{*"))
                        || (a.starts_with('{')
                            && b.starts_with('{')
                            && !a.starts_with("{*")
                            && !b.starts_with("{*"))
                };
                let mut segments = path.split('/').skip(1);
                template
                    .iter()
                    .all(|t| segments.next().is_some_and(|s| same(t, s)))
                    && segments.next().is_none()
            }
            Self::Template(template) => {
                let mut segments = path.split('/').skip(1);
                for part in template {
                    if part.starts_with("{*") {
                        return segments.next().is_some_and(|s| !s.is_empty());
                    }
                    match segments.next() {
                        Some(s) if part.starts_with('{') && !s.is_empty() => {}
                        Some(s) if s == part => {}
                        _ => return false,
                    }
                }
                segments.next().is_none()
            }
        }
    }
}

impl Excludes {
    pub(crate) fn build<'a>(
        patterns: impl IntoIterator<Item = &'a String>,
        methods: Vec<Method>,
        allow_all: bool,
    ) -> Result<Self, ConfigError> {
        let patterns = patterns
            .into_iter()
            .map(|p| parse(p, allow_all))
            .collect::<Result<_, _>>()?;
        Ok(Self { methods, patterns })
    }

    /// Whether an operation on a route template skips authentication (for OpenAPI).
    #[cfg(feature = "openapi")]
    pub(crate) fn skips_route(&self, template: &str, method: &Method) -> bool {
        self.methods.contains(method) || self.patterns.iter().any(|p| p.matches(template, true))
    }

    /// Whether this request skips authentication.
    pub(crate) fn skips<B>(&self, request: &Request<B>) -> bool {
        if self.methods.contains(request.method()) {
            return true;
        }
        if self.patterns.is_empty() {
            return false;
        }
        let (path, is_template) = match request.extensions().get::<MatchedPath>() {
            Some(matched) => (matched.as_str(), true),
            None => (request.uri().path(), false),
        };
        if !is_template && ambiguous(path) {
            return false;
        }
        self.patterns.iter().any(|p| p.matches(path, is_template))
    }
}
