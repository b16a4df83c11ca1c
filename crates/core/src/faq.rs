//! 知识库 suggestions: which answered questions resemble what a visitor is writing. A site's
//! 知识库 holds a few hundred entries at most, so every question is compared: the pieces of two
//! characters (bigrams) the visitor's text shares with it, question words (请问, 怎么, 什么时候…)
//! left out, so that "咨询城乡居民医保缴费时间" finds "城乡居民医保什么时候缴费？".

use std::collections::HashSet;

/// Words that say "this is a question", not what it is about: taken out of both texts before
/// they are compared.
const QUESTION_WORDS: [&str; 20] = [
    "请问", "咨询", "什么", "时候", "怎么", "怎样", "如何", "哪些", "哪里", "在哪", "是否", "可以",
    "需要", "办理", "我想", "关于", "问题", "多少", "多久", "能否",
];

/// The pairs of neighbouring letters or digits of `text`, question words taken out (a pair
/// never spans the gap one leaves).
fn bigrams(text: &str) -> HashSet<String> {
    let mut text = text.to_string();
    for w in QUESTION_WORDS {
        text = text.replace(w, " ");
    }
    let mut out = HashSet::new();
    for run in text.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = run.chars().collect();
        out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    }
    out
}

/// The ids of at most `max` questions most like `text`, most alike first (ties: the newer
/// entry, the larger id). A question must share at least two bigrams to count.
pub fn similar<'a>(
    text: &str,
    questions: impl IntoIterator<Item = (i64, &'a str)>,
    max: usize,
) -> Vec<i64> {
    let wanted = bigrams(text);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, i64)> = questions
        .into_iter()
        .map(|(id, q)| (bigrams(q).intersection(&wanted).count(), id))
        .filter(|(shared, _)| *shared >= 2)
        .collect();
    scored.sort_by(|a, b| b.cmp(a));
    scored.into_iter().take(max).map(|(_, id)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_in_other_words_is_found_and_question_words_alone_find_nothing() {
        let faq = [
            (1, "城乡居民医保什么时候缴费？"),
            (2, "新生儿怎么办理户口登记？"),
            (3, "灵活就业人员怎样缴纳养老保险？"),
            (4, "医保异地就医如何备案？"),
        ];
        assert_eq!(similar("咨询城乡居民医保缴费时间", faq, 5), vec![1]);
        assert_eq!(similar("医保异地备案怎么办", faq, 5), vec![4]);
        assert_eq!(similar("孩子出生后户口怎么登记", faq, 5), vec![2]);
        assert_eq!(similar("请问什么时候可以办理？", faq, 5), Vec::<i64>::new());
        assert_eq!(
            similar("请问在哪里办理", [(5, "新生儿医保在哪里办理？")], 5),
            Vec::<i64>::new(),
            "only question words in common"
        );
        assert_eq!(
            similar("新生儿的医保去哪里办", [(5, "新生儿医保在哪里办理？")], 5),
            vec![5]
        );
        assert_eq!(similar("", faq, 5), Vec::<i64>::new());
        assert_eq!(
            similar("医保", faq, 5),
            Vec::<i64>::new(),
            "one bigram is not enough"
        );
        assert_eq!(similar("城乡居民医保缴费", faq, 1), vec![1]);
        // Ties: the newer entry first.
        let same = [(7, "公积金提取条件"), (9, "公积金提取条件有哪些")];
        assert_eq!(similar("公积金提取", same, 5), vec![9, 7]);
    }
}
