//! Chinese words for the index: jieba in search mode as a tantivy tokenizer, one shared
//! dictionary for every clone.

use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream};

/// jieba in search mode, shared (the dictionary is large: one copy for every clone).
#[derive(Clone)]
pub(crate) struct Jieba(pub(crate) Arc<jieba_rs::Jieba>);

pub(crate) struct JiebaStream {
    tokens: Vec<Token>,
    index: usize,
}

impl tantivy::tokenizer::Tokenizer for Jieba {
    type TokenStream<'a> = JiebaStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> JiebaStream {
        let mut words: Vec<(usize, usize, &str)> = self
            .0
            .tokenize(text, jieba_rs::TokenizeMode::Search, true)
            .into_iter()
            // Words only: no spaces, no punctuation of either width.
            .filter(|t| t.word.chars().any(char::is_alphanumeric))
            .map(|t| (t.byte_start, t.byte_end, t.word))
            .collect();
        // Search mode gives the parts of a long word before the word, two-character parts
        // first, then three-character parts from the word's start again: in text order here,
        // as tantivy's snippets expect (a token never starts before the one before it).
        words.sort_by_key(|(from, to, _)| (*from, *to));
        let tokens = words
            .into_iter()
            .enumerate()
            .map(|(i, (from, to, word))| Token {
                offset_from: from,
                offset_to: to,
                position: i,
                text: word.to_string(),
                position_length: 1,
            })
            .collect();
        JiebaStream { tokens, index: 0 }
    }
}

impl TokenStream for JiebaStream {
    fn advance(&mut self) -> bool {
        self.index += 1;
        self.index <= self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }
    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}
