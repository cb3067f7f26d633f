//! Which operations require which scopes: told to `OpenApiSecurity` per path and method
//! (route layers are invisible to utoipa), checked against the document before it changes.

use std::collections::BTreeMap;

use http::Method;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::OpenApi;

use crate::authz::is_scope_token;
use crate::error::ConfigError;
use crate::flow::skip::Excludes;

/// The scopes of one operation, as told.
#[derive(Debug, Clone)]
struct ScopedOperation {
    path: String,
    method: Method,
    scopes: Vec<String>,
}

/// Every operation's scopes and the scope descriptions, as told to `OpenApiSecurity`.
#[derive(Debug, Clone, Default)]
pub(super) struct ScopeTable {
    operations: Vec<ScopedOperation>,
    descriptions: Vec<(String, String)>,
    /// The first name given that is not a scope-token, reported by `try_modify`.
    invalid: Option<String>,
}

/// The operation of `item` for `method`, when OpenAPI has a slot for that method.
fn operation<'a>(item: &'a PathItem, method: &Method) -> Option<&'a Option<Operation>> {
    Some(match *method {
        Method::GET => &item.get,
        Method::PUT => &item.put,
        Method::POST => &item.post,
        Method::DELETE => &item.delete,
        Method::OPTIONS => &item.options,
        Method::HEAD => &item.head,
        Method::PATCH => &item.patch,
        Method::TRACE => &item.trace,
        _ => return None,
    })
}

impl ScopeTable {
    pub(super) fn add<S: Into<String>>(
        &mut self,
        path: &str,
        method: Method,
        scopes: impl IntoIterator<Item = S>,
    ) {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        if self.invalid.is_none() {
            let bad = scopes.iter().find(|s| !is_scope_token(s));
            self.invalid = bad.cloned();
        }
        self.operations.push(ScopedOperation {
            path: path.to_owned(),
            method,
            scopes,
        });
    }

    /// Describes `scope` in the oauth2 scheme's map.
    pub(super) fn describe(&mut self, scope: String, description: String) {
        if self.invalid.is_none() && !is_scope_token(&scope) {
            self.invalid = Some(scope.clone());
        }
        self.descriptions.push((scope, description));
    }

    /// Checks every entry against the document and the excludes, before anything changes.
    pub(super) fn check(&self, openapi: &OpenApi, excludes: &Excludes) -> Result<(), ConfigError> {
        if let Some(bad) = &self.invalid {
            return Err(ConfigError::InvalidScope(bad.clone()));
        }
        for scoped in &self.operations {
            let exists = openapi
                .paths
                .paths
                .get(&scoped.path)
                .and_then(|item| operation(item, &scoped.method))
                .is_some_and(Option::is_some);
            if !exists {
                return Err(ConfigError::UnknownOperation {
                    method: scoped.method.clone(),
                    path: scoped.path.clone(),
                });
            }
            if excludes.skips_route(&scoped.path, &scoped.method) {
                return Err(ConfigError::ScopesOnExcludedOperation {
                    method: scoped.method.clone(),
                    path: scoped.path.clone(),
                });
            }
        }
        Ok(())
    }

    /// The scopes of one operation: every entry for it, in the order told, each scope once.
    pub(super) fn of(&self, path: &str, method: &Method) -> Vec<String> {
        let mut scopes: Vec<String> = Vec::new();
        let entries = self.operations.iter();
        for scoped in entries.filter(|s| s.path == path && s.method == *method) {
            for scope in &scoped.scopes {
                if !scopes.contains(scope) {
                    scopes.push(scope.clone());
                }
            }
        }
        scopes
    }

    /// The oauth2 scheme's `scopes` map: the `declared` ones, every scope used and every one
    /// described; a description told here wins over a declared one, and a scope without
    /// either is described by its name.
    pub(super) fn scope_map(&self, declared: &[(String, String)]) -> BTreeMap<String, String> {
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for scope in self.operations.iter().flat_map(|s| &s.scopes) {
            map.insert(scope.clone(), scope.clone());
        }
        for (scope, description) in declared.iter().chain(&self.descriptions) {
            map.insert(scope.clone(), description.clone());
        }
        map
    }
}
