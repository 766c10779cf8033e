"""Cross-validate the whole fit of the answer model, grouped by document.

    .venv/bin/python benchmarks/cross_validate.py [--work DIR] [--refusal-c C ...]
        [--ignore FEATURE ...] [--ablate] [--bm25-weight W] [--sentence-weight W] [--rrf-k K]
        [--salts SALT ...] [--type-window N] [--sentence-c C] [--smoothing N]

The held-out split of `bot.evaluate.is_heldout` is small (18 questions of dev2) and its
documents are also in the fitting split. This estimates what the bot does on documents
it has never seen: the fitting split's questions are dealt into `fit_answer_model.FOLDS`
folds by document (`fit_answer_model.fold_of`), and for each fold the whole fit
(`fit_answer_model.fit_variant`: sentence scorer, refusal rule with its own inner
cross-validation, threshold, extra-sentence margin) is run on the other folds and
measured on it. It prints the README's metrics per set, pooled over the folds, and the
out-of-fold ROC AUC of P(answerable) per set.

`--refusal-c` replaces the grid the refusal rule's C is chosen from (one value: a fixed C),
and `--without-weight` the weight of the questions made without their document, for
comparing fitting choices. The means are over the three real sets; the made sets
("… uten dokumentet") are printed beside them.

`--bm25-weight`, `--sentence-weight` and `--rrf-k` change retrieval's fusion
(bot/retrieve.py) for the run, and `--type-window` how many best sentences are searched
for the asked-for kind of answer (`features.TYPE_WINDOW`); `--sentence-c` the pointwise
sentence scorer's C (`fit_answer_model.REGULARISATION`), `--smoothing` over how many
threshold steps the refusal threshold's grid is averaged (`fit_answer_model.SMOOTHING`).
`--ignore` names the features the fit holds at 0 (default `fit_answer_model.DROPPED`;
give none to weigh them all), and `--ablate` prints the means with each feature left out
in turn (and each of the ignored weighed again).

`--salts` repeats the whole cross-validation over other dealings of the documents into
folds (`fit_answer_model.FOLD_SALT`; "-" is the usual one) and prints each one's means,
their mean and their standard deviation. Compare two versions over the same salts.

Besides the README's metrics it prints `right`, the share of a set's questions that came
out right: answered with the phrase, or refused when out of scope (the issue's "a wrong
refusal costs as much as a wrong answer", question for question).

Measured 2026-12-04, third session, against the first row (each a trial):

| change | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| before (the "both, kept" row below) | 0.857 | 0.844 | 0.928 | 0.821 | 0.840 | 0.707 | 0.926 |
| stopwords "dersom", "flere" … (16) | - | - | - | - | 0.829 | - | - |
| sentence: word-pair overlap (17) | - | - | - | - | 0.826 | - | - |
| sentence: 4-letter piece overlap (18) | - | - | - | 0.795 | 0.824 | - | - |
| photo credits cleaned out (19), kept | 0.814 | 0.796 | 0.876 | 0.828 | 0.802 | 0.720 | 0.927 |

Over eight dealings of the documents into folds (`--salts - a b c d e f g`):

| version (mean±sd) | cite@1 | answer | answered | refused | right |
|---|---|---|---|---|---|
| before | .825±.019 | .813±.021 | .896±.019 | .820±.019 | .815±.017 |
| photo credits out | .827±.016 | .814±.020 | .893±.019 | .817±.017 | .815±.015 |
| the same, 2nd machine | .827±.017 | .814±.021 | .893±.021 | .817±.018 | .815±.016 |
| 4-letter heads (20) | .835±.009 | .821±.013 | .901±.009 | .810±.027 | .820±.012 |
| no pronoun (21), kept | .839±.010 | .825±.013 | .906±.013 | .819±.015 | .824±.011 |
| (21) + inverted pronoun (22) | .838±.010 | .824±.013 | .906±.009 | .819±.015 | .823±.011 |
| (21) + weekdays, times (23) | .830±.011 | .816±.014 | .897±.009 | .809±.023 | .815±.012 |
| (21) + weekdays only | .831±.019 | .816±.021 | .899±.018 | .814±.018 | .816±.018 |
| (21) + "hva heter" (24), kept | .839±.014 | .833±.015 | .908±.013 | .815±.015 | .830±.011 |
| the same, 4th machine | .839±.014 | .833±.015 | .908±.013 | .815±.015 | .830±.011 |
| + thesaurus, 3 synonyms (25) | .826±.020 | .820±.020 | .893±.019 | .825±.014 | .821±.015 |
| + thesaurus, 1 synonym | .836±.011 | .831±.011 | .902±.009 | .818±.016 | .829±.010 |
| the "hva heter" row, 5th machine | .839±.014 | .833±.015 | .908±.013 | .815±.015 | .830±.011 |
| + sentence: window_dense (26) | .837±.010 | .830±.016 | .905±.009 | .820±.016 | .829±.013 |
| refusal: sets weigh n^0.5 (27) | .839±.013 | .830±.012 | .906±.014 | .808±.019 | .826±.009 |
| refusal: sets weigh n^1.5 | .838±.007 | .832±.008 | .905±.009 | .812±.012 | .829±.007 |
| refusal: products of 8 features (28) | .836±.010 | .827±.013 | .902±.016 | .804±.022 | .823±.012 |
| threshold for accuracy (29) | .871±.009 | .865±.006 | .964±.008 | .637±.026 | .824±.005 |
| kinds with the question masked (30) | .829±.012 | .825±.013 | .898±.013 | .820±.017 | .824±.010 |
| the same, in the refusal only | .833±.009 | .827±.013 | .901±.013 | .821±.019 | .826±.012 |
| `--type-window 2` (not 5) | .837±.014 | .829±.014 | .905±.013 | .817±.015 | .827±.011 |
| `--type-window 10` | .838±.010 | .831±.012 | .906±.011 | .816±.016 | .829±.010 |
| refusal: same_document (31) | .835±.011 | .828±.007 | .900±.008 | .809±.017 | .825±.006 |
| sentence: typed_lexical (32) | .838±.006 | .830±.009 | .904±.009 | .818±.017 | .828±.008 |
| refusal: english, nynorsk (33) | .825±.010 | .817±.012 | .886±.011 | .793±.030 | .813±.011 |
| refusal C grid + 3, 10 (34) | .843±.012 | .836±.014 | .911±.010 | .812±.017 | .832±.011 |
| refusal C fixed at 1 | .841±.009 | .835±.009 | .909±.008 | .824±.010 | .833±.007 |
| refusal C fixed at 3 | .839±.014 | .833±.014 | .906±.015 | .822±.002 | .831±.011 |
| refusal C fixed at 10 | .838±.015 | .833±.013 | .905±.016 | .813±.018 | .830±.012 |

(The usual dealing's right of 0.840 was the best of the eight, which ranged 0.794 to
0.841: a difference under about 0.03 in one dealing is the dealing, not the change, and
the earlier tables' choices by 0.01 were within it. Compare over the salts. (16) "dersom",
"flere" and a few other function words as stopwords. (17) A sentence feature: the share
of the question's adjacent term pairs in the sentence. (18) The share of the question's
4-letter word pieces in the sentence, for paraphrases and inflections the stemmer misses:
the sentence ranker's grouped top-1 on NorQuAD rose 0.784 -> 0.798, the whole fit fell.
(19) `ingest.cleaning.drop_photo_credits` and `ingest/data/photo_credits.toml`: "Foto:
Kari Nordmann / NTB scanpix" no longer in NorQuAD's sentences and quotes. In one dealing
right fell 0.840 -> 0.802, over eight the two are equal; kept because a quote no longer
carries a credit. Also tried: FreeDict's English-Norwegian dictionary (Debian
dict-freedict-eng-nor, 11 000 entries) to put English questions into bokmål; it lacks
"agreement", "report", "form", "owner" and was not taken. (20) A 4-letter question
term found at the end of a corpus term ("folk" in "reisefolk") not counted as absent
(`Vocabulary.resolve`): right rose in five dealings of eight, by 0.034 in one; refused
fell. (21) "han", "hun", "ho", "he", "she" no longer make a sentence hold a person (the
`person` sentence marker): "På 1840-tallet grunnla han teateret." does not say who
founded it, so the ranker and the quoting look on for the name. Against the second
machine's row, paired by dealing: right +0.009 (five of eight up, by up to 0.027),
cite@1 +0.012, answered +0.013, refused +0.002; in `bot eval` NorQuAD cite@1 0.825 ->
0.834, answer 0.819 -> 0.825, answered 0.934 -> 0.943, dev2 one count question refused
(P 0.273 at a threshold of 0.275). (22) A pronoun after the first one to three words
("På 1840-tallet grunnla han …") as a back-reference, so the sentence before is quoted
too: the same as without. (23) Weekdays, "i går", "i kveld", clock times ("kl. 19.33")
and "tidligst" answering "når", for news ("landet han … onsdag"): dev2 and refused fell.
(24) "Hva heter X?" asks for a name (type organisation: a capitalised name) where X is
no role, and a role inside a compound ("pressesjefen") asks for a person: right up in
six dealings of eight (+0.006, by 0.033 in one), answer +0.008; in `bot eval` dev2
cite@1 0.676 -> 0.716, answer 0.689 -> 0.743 (two-part questions 0.83 -> 1.00 answer),
NorQuAD cite@1 0.834 -> 0.837. After it, "Hva gjorde at …", "Hva førte til …", "What
caused …" as asking for a reason: every mean the same to the third digit, not kept.
(25) 2026-12-05: a question word found in no document looked up in LibreOffice's
Norwegian thesaurus (Debian mythes-no, th_nb_NO_v2.dat), and its first one or three
synonyms that the corpus has searched for too (the word still counted absent), for
paraphrases such as "folk", "ting", "bytte": the thesaurus lists every sense, so
"folk" brings "familie", "gruppe" and "koster" brings "kost"; refused rose, the rest
fell or stayed. Not kept. (26) to (30), 2026-12-05, none kept: (26) a sentence feature,
the cosine of the question and the normalised sum of the sentence's and its neighbours'
stored vectors, for "Han …" sentences whose neighbour names the subject: what `dense`,
`prev_dense` and `next_dense` already say, linearly. (27) Each set's weight in the
refusal fit as its number of questions to a power (1 is the fit's). (28) The pairwise
products of best_logit, coverage, absent_share, absent_rarity, dense_top,
sentence_dense_top, best_type_match and typed_gap as 28 more refusal features, C chosen as
usual: a non-linear rule does not separate paraphrases from near misses better. (29) The
threshold chosen for the share of a set's questions decided right (in-scope ones
answered, out-of-scope ones refused) instead of the balance of the two rates: it answers
0.964 and refuses 0.637, and fewer questions come out right. (30) `new_kinds` (the
question's own words masked) instead of `sentence_kinds` in the type features of the
scorer and the refusal ("… grunnla han teateret Théâtre Historique …" no longer names a
person for "Hvem grunnla … Theatre Historique?"), as the quoting does: right fell.
(31) A refusal feature: the share of the top five passages from the top passage's
document, on the thought that an unanswered question's passages scatter: right fell.
(32) A sentence feature, `type_match` times `lexical`: the asked-for kind of answer
beside the question's words, the one product the scorer might lack: the same.
(33) 2026-12-06: two refusal features, whether the question is in English and whether
in nynorsk, so the rule may learn that a question not in bokmål shares fewer words with
bokmål documents (dev2's nynorsk and English questions were answered 0.55): every mean
fell, right by 0.017 and refused by 0.022; too few such questions to fit a weight on.
(34) 2026-12-06, seventh machine (the "hva heter" row reproduced to the digit): the
refusal rule's C is chosen from `fit_answer_model.REFUSAL_C_GRID`, whose largest value,
1.0, the fit chooses, so the grid was widened to 3 and 10 (`--refusal-c 0.01 0.03 0.1
0.3 1 3 10`) and C fixed at 1, 3 and 10: every row within a standard deviation of the
baseline, right .830 to .833; the grid stays as it is.)

Measured 2026-12-04, second session (a new machine: every index rebuilt, the old fit
reproduced to the digit), against the first row:

| change | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| before (the last row of the next table) | 0.850 | 0.834 | 0.912 | 0.828 | 0.833 | 0.706 | 0.932 |
| "til når", "until when" ask for a date | 0.850 | 0.834 | 0.912 | 0.828 | 0.833 | 0.706 | 0.932 |
| + refusal feature `typed_gap` (12) | 0.850 | 0.834 | 0.912 | 0.828 | 0.833 | 0.710 | 0.932 |
| stopwords "mens", "hos", "ifølge" … (13) | 0.847 | 0.834 | 0.916 | 0.802 | 0.828 | 0.712 | 0.928 |
| both, kept | 0.857 | 0.844 | 0.928 | 0.821 | 0.840 | 0.707 | 0.926 |
| the same without the forms of "gjøre" | 0.843 | 0.830 | 0.906 | 0.828 | 0.829 | 0.710 | 0.935 |
| + refusal: unmatched by rarity (14) | 0.813 | 0.801 | 0.887 | 0.828 | 0.806 | 0.720 | 0.927 |
| + sentence: terms inside words (15) | 0.837 | 0.824 | 0.909 | 0.802 | 0.820 | 0.707 | 0.928 |

((12) How far below the best sentence's score the best sentence with the asked-for kind
of answer scores (`features.question_features`): "Hvor mange masteroppgaver skrives …"
is best matched by a sentence without a number. (13) Also "according", "ifølgje" and
"gjøre", "gjere", "gjorde", "gjort": "mens" was read as the term "men", and "gjøre" was a
term where "gjør" is a stopword. In `bot eval` the kept row against the committed fit:
dev2 answered 0.784 -> 0.811, its held-out part cite@1 0.562 -> 0.625, answer 0.625 ->
0.688, answered 0.688 -> 0.750; count/date answer 0.86 -> 1.00, paraphrase 0.23 -> 0.31;
one follow-up ("Når bør jeg gjøre det?", its own word gone) and one two-part question's
first citation lost; NorQuAD cite@1 0.840 -> 0.837, refused 0.850 -> 0.833 (one
question of 60). (14) The share of the question's words the top passages lack, weighed
by wordfreq rarity instead of corpus idf, so that a paraphrase's everyday words weigh
little: dev2's AUC rose, the metrics at the chosen threshold fell. (15) "landslagssjef"
for "landslag" and "sjef": it also matched stems inside unrelated words.)

Measured 2026-12-04 in a fresh checkout (its indexes rebuilt), against the first row
(each a trial; the rows marked kept are in the bot):

| change | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| before (the last row of the next table) | 0.848 | 0.834 | 0.918 | 0.821 | 0.832 | 0.698 | 0.930 |
| absent terms weigh idf x rarity (8) | 0.841 | 0.827 | 0.909 | 0.802 | 0.822 | 0.699 | 0.930 |
| no typo reading of real words (9) | 0.831 | 0.822 | 0.902 | 0.809 | 0.820 | 0.708 | 0.939 |
| English stopwords, kept | 0.841 | 0.827 | 0.910 | 0.828 | 0.827 | 0.699 | 0.932 |
| + relative times as dates (10) | 0.857 | 0.841 | 0.921 | 0.795 | 0.833 | 0.702 | 0.929 |
| + modal verbs "bør", "burde", kept | 0.850 | 0.834 | 0.912 | 0.828 | 0.833 | 0.706 | 0.932 |
| + "slags" ("hva slags") a stopword | 0.829 | 0.813 | 0.891 | 0.828 | 0.816 | 0.710 | 0.932 |
| an organisation answers "hvem" (11) | 0.841 | 0.826 | 0.906 | 0.821 | 0.826 | 0.719 | 0.934 |
| the same, in the refusal only | 0.826 | 0.810 | 0.893 | 0.828 | 0.814 | 0.714 | 0.927 |

((8) In `coverage`: a term found nowhere has the corpus's largest idf, so "folk", "ting",
"must" outweighed the rest of a question. (9) A word of Zipf 3 or more not read as a
misspelt corpus word ("underveis" as "undervist", "slikt" as "sikt"): it also stops
English cognates being found ("coordinator" as "koordinator", "social" as "sosial"), and
dev2 fell. The kept row: in `bot eval`, NorQuAD 0.831 -> 0.837 cite@1, 0.822 -> 0.831
answer, its held-out part 0.843 -> 0.863 and 0.824 -> 0.833; seed and dev2 the same.
(10) "så tidlig som mulig", "i god tid", "senest", "as soon as possible" in a sentence
answer "når" (`relative_time` in question_words.toml), as in guidance: "Når bør jeg
gjøre det?" "… trekkes inn så tidlig som mulig". The last row against the kept English
row: every metric up or the same. In `bot eval`, dev2 cite@1 0.676 -> 0.703, answer 0.689
-> 0.716 (follow-ups 0.60 -> 0.80, two-part 0.83 -> 1.00 answer); NorQuAD cite@1 0.837
-> 0.840, answer 0.831 -> 0.834, refused 0.883 -> 0.850 (two of 60 more answered).
(11) A sentence with a capitalised name but no person's counted as holding the answer to
a "hvem" question ("Forskningsrådet", "FoU-koordinatoren"), in the sentence scorer's
type features, the refusal's and the quoting: both AUCs rose (dev2 0.706 -> 0.719), the
metrics at the chosen threshold fell.)

Measured 2026-12-03, sixth session, against the first row (each a trial; only the last
two rows kept; the scorer trials replace `fit_answer_model`'s logistic sentence scorer):

| change | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| before (page date line row below) | 0.834 | 0.821 | 0.906 | 0.821 | 0.821 | 0.711 | 0.932 |
| sentence scorer: gradient boosting (4) | 0.824 | 0.757 | - | 0.777 | 0.762 | - | - |
| sentence scorer: pairwise products, C=0.01 | 0.837 | 0.814 | 0.925 | 0.828 | 0.816 | - | - |
| the same, C=0.1 | - | - | - | - | 0.802 | - | - |
| dense vectors centred per language (5) | - | - | - | - | 0.816 | 0.690 | - |
| answer type "duration" (6) | 0.832 | 0.825 | 0.910 | 0.821 | 0.825 | 0.704 | 0.931 |
| + role nouns as persons (7), kept | 0.841 | 0.827 | 0.910 | 0.821 | 0.826 | 0.696 | 0.930 |

((4) scikit-learn's HistGradientBoostingClassifier, depth 3, 100 iterations: it fits the
fitting folds' sentences closely and ranks unseen documents' worse. (5) Each document
language's chunk and sentence vectors minus that language's mean, so English questions
stop pulling English pages over Norwegian ones: dev2's right fell 0.662 -> 0.648. (6) A
number, number word or "flere" before a time unit ("fire år", "tre måneder"), or a date,
answers "hvor lenge", "kor lang tid", "how many years"; before, those questions were of
type date and a sentence with "2019" was preferred to one with "i fire år". (7) "Hvem"
is answered by "områdedirektøren", "prosjekteigar", "FoU-koordinatoren" (role nouns inside
compounds), and a sentence's kinds are taken with the question's own words masked, so
"… er prosjektleder i Universitetskommunen TRD3.0." does not name the person the
question asks for. Both within the fit's noise of 0.03; kept because they are right for
the asker.)

Measured 2026-12-03, fourth and fifth sessions, against the first row below (each a
trial, none kept but the last; the chunker trials rebuilt every index and refitted):

| change | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| now (unchanged) | 0.844 | 0.824 | 0.908 | 0.828 | 0.825 | 0.704 | 0.931 |
| chunk never opens referring back | 0.808 | 0.792 | 0.874 | 0.828 | 0.799 | 0.686 | 0.927 |
| the same, pronouns only | 0.838 | 0.824 | 0.901 | 0.835 | 0.826 | 0.703 | 0.937 |
| feature: local term weights (1) | 0.820 | 0.792 | 0.890 | 0.816 | 0.797 | 0.683 | 0.932 |
| the same, times the corpus idf | 0.818 | 0.802 | 0.890 | 0.835 | 0.808 | 0.688 | 0.935 |
| the same, as a gap to the best | 0.838 | 0.834 | 0.916 | 0.795 | 0.827 | 0.694 | 0.932 |
| chunks of 96 tokens (not 128) (2) | 0.822 | 0.822 | 0.909 | 0.770 | 0.813 | 0.666 | 0.932 |
| chunks of 192 tokens | 0.846 | 0.793 | 0.902 | 0.828 | 0.800 | 0.704 | 0.933 |
| chunks of 256 tokens | 0.857 | 0.815 | 0.903 | 0.828 | 0.818 | 0.688 | 0.925 |
| page date line only when asked (3), kept | 0.834 | 0.821 | 0.906 | 0.821 | 0.821 | 0.711 | 0.932 |

((1) Question terms weighted by how few candidates hold them. The chunker trials move a
sentence such as "Den avtalen konsentrerer seg om …" into the next chunk with the sentence
it leans on; with the full list of `back_reference` words NorQuAD's chunks rose from 1242
to 1323. The "gap to the best" row lifts answer but costs NorQuAD's cite@1, 0.808 -> 0.790, and
refused. Separately, by hand on dev2's 5 follow-ups: adding the previous question's
answer to the follow-up's retrieval text left the same 3 right. (2) Fifth session,
2026-12-03: the chunk size had been chosen on the seed alone; `ingest/chunking.py` has
the chunk counts. Larger chunks raise cite@1 and lower answer. (3) "Sist oppdatert
01.12.2026", "Last updated 1 December 2026" (`features.is_update_stamp`): 4 lines in the
three sets, none in NorQuAD; kept because it is right for the asker, not for the numbers.
With the weights before, `bot eval` gave exactly the same metrics on all three sets; the
refit chose the refusal rule's C = 0.3 over 1.0 (balanced 0.865 against 0.861; 0.866 and
0.868 before), which alone moved NorQuAD's cross-validated cite@1 0.808 -> 0.777 and its
refused in `bot eval` 0.833 -> 0.883. So a difference of 0.03 on one set is within what
the fit's discrete choices move.)

Measured 2026-12-03, third session (means over the three sets; before: 0.834 / 0.808 /
0.906 / 0.816 / 0.810):

| change | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| now: heading, passage_rank, length at 0 | 0.844 | 0.824 | 0.908 | 0.828 | 0.825 | 0.704 | 0.931 |
| those, prev_gain, sentence_dense_top | 0.856 | 0.831 | 0.922 | 0.814 | 0.828 | 0.696 | 0.930 |
| candidates from 3 passages (not 5) | 0.843 | 0.808 | 0.908 | 0.809 | 0.808 | 0.707 | 0.931 |
| candidates from 7 passages | 0.831 | 0.805 | 0.903 | 0.816 | 0.807 | 0.707 | 0.931 |
| candidates from 10 passages | 0.841 | 0.808 | 0.906 | 0.816 | 0.810 | 0.702 | 0.932 |
| feature: asked kind in new words | 0.825 | 0.799 | 0.899 | 0.842 | 0.807 | 0.714 | 0.932 |
| best_type_match in new words only | 0.802 | 0.776 | 0.874 | 0.849 | 0.790 | 0.724 | 0.927 |
| type_missing in new words only | 0.840 | 0.808 | 0.906 | 0.816 | 0.810 | 0.716 | 0.931 |
| + dense, lexical rank among candidates | 0.843 | 0.814 | 0.915 | 0.828 | 0.816 | 0.704 | 0.934 |

(The last row was measured against the first. The second was better here but not on the
held-out split: dev2 answered 0.750 against 0.812, so the smaller change was kept.
"New words": the words of the sentence that are not the question's and not pronouns, so
"Han ble sekretær i Europabevegelsen fra 1970" holds no new name for "Hvem var sekretær
i Europabevegelsen fra 1970-1973?".)
Nynorsk questions translated to bokmål by Apertium before asking (measured by hand on the
10 nynorsk questions of the seed and dev2): the same 7 of 8 answered right, and one more
out-of-scope question answered, so the question path stays untranslated.

Measured 2026-12-03, later (the default model, nynorsk read as bokmål at ingest):

| fitting choice | cite@1 | answer | answered | refused | right | AUC d2 | AUC nq |
|---|---|---|---|---|---|---|---|
| now: threshold by (answ. + refused) / 2 | 0.834 | 0.808 | 0.906 | 0.816 | 0.810 | 0.711 | 0.930 |
| threshold maximising `right` | 0.847 | 0.814 | 0.938 | 0.710 | 0.795 | 0.688 | 0.932 |
| refusal fit without wrongly answered | 0.821 | 0.794 | 0.887 | 0.797 | 0.794 | 0.688 | 0.929 |
| bokmål also read in nynorsk | 0.812 | 0.802 | 0.892 | 0.790 | 0.800 | 0.666 | 0.938 |

("without wrongly answered": the refusal rule fitted without the in-scope questions whose
answer would not hold the phrase. The second and third rows were measured before nynorsk
was read as bokmål, against 0.834 / 0.807 / 0.906 / 0.809 / 0.807 then.) A threshold
chosen to maximise `right` in each fold is lower and does worse on the fold's unseen
documents than the balanced one, even by `right` itself: it is a flat maximum that the
folds place too low.

Measured 2026-12-03 (the default model; the same code but for the made questions):

| refusal rule | cite@1 | answer | answered | refused | AUC dev2 | AUC nq |
|---|---|---|---|---|---|---|
| with questions made without their document (now) | 0.824 | 0.807 | 0.906 | 0.809 | 0.703 | 0.930 |
| the sets' own questions only | 0.793 | 0.776 | 0.871 | 0.809 | 0.690 | 0.933 |

Measured 2026-12-02 (the default model, 372 questions):

| refusal rule | cite@1 | answer | answered | refused | AUC dev2 | AUC nq |
|---|---|---|---|---|---|---|
| as below, each question weighing the same (now) | 0.824 | 0.794 | 0.912 | 0.783 | 0.649 | 0.926 |
| C from the grid, out-of-fold threshold | 0.821 | 0.791 | 0.902 | 0.770 | 0.633 | 0.918 |
| C = 1, out-of-fold threshold | 0.754 | 0.744 | 0.824 | 0.749 | 0.597 | 0.887 |
| C = 1, in-sample threshold (before) | 0.769 | 0.746 | 0.847 | 0.770 | 0.597 | 0.887 |

(means over the three sets; the last three rows weigh each set the same in the refusal
rule's fit; "before" is the fit of commit 10d23ce.)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_answer_model as fit  # noqa: E402

from bot import features, retrieve  # noqa: E402
from ingest.config import settings_from_env  # noqa: E402
from ingest.embedding import DEFAULT_MODEL, quiet_libraries  # noqa: E402

METRICS = ("cite@1", "cite", "answer", "answered")


def cross_validate(
    items: list[fit.Item], ignored: tuple[str, ...] = fit.DROPPED
) -> tuple[dict, dict]:
    """Pooled out-of-fold metrics per set, and the out-of-fold AUC per set."""
    pool = [i for i in items if not i.heldout]
    sums: dict[str, dict[str, float]] = {}
    predicted: dict[int, list[float]] = {}  # id(item): its parts' out-of-fold scores
    try:
        for k in range(fit.FOLDS):
            for item in pool:
                item.heldout = fit.fold_of(item) == k  # fit_variant measures "held out"
            with contextlib.redirect_stdout(io.StringIO()):
                _, report = fit.fit_variant(pool, ignored)
            tested = [i for i in pool if i.heldout]
            predicted.update(zip(map(id, tested), fit.part_scores(tested), strict=True))
            for name, measured in report["metrics"]["heldout"].items():
                test = [i for i in pool if i.heldout and i.set_name == name]
                inside = sum(i.in_scope for i in test)
                keys = (*METRICS, "refused", "in", "out")
                total = sums.setdefault(name, dict.fromkeys(keys, 0.0))
                for metric in METRICS:
                    total[metric] += measured.get(metric, 0.0) * inside
                total["refused"] += measured.get("refused", 0.0) * (len(test) - inside)
                total["in"] += inside
                total["out"] += len(test) - inside
    finally:
        for item in pool:
            item.heldout = False
    result = {}
    for name, total in sums.items():
        result[name] = {m: round(total[m] / max(1.0, total["in"]), 3) for m in METRICS}
        result[name]["refused"] = round(total["refused"] / max(1.0, total["out"]), 3)
        # The share of questions that came out right: answered with the phrase, or
        # refused when out of scope (fit_answer_model.outcomes_right).
        right = total["answer"] + total["refused"]
        result[name]["right"] = round(right / max(1.0, total["in"] + total["out"]), 3)
    aucs = fit.auc_by_set(pool, [predicted[id(i)] for i in pool])
    return result, aucs


def mean_of_sets(result: dict) -> dict[str, float]:
    """Each metric's mean over the real sets (not the made "… uten dokumentet" ones)."""
    real = [v for name, v in result.items() if not name.endswith(fit.WITHOUT)]
    return {m: float(np.mean([v[m] for v in real])) for m in (*METRICS, "refused", "right")}


def repeated(items: list[fit.Item], ignored: tuple[str, ...], salts: list[str]) -> None:
    """The means over the sets for each fold assignment, then their mean and spread: how
    much of a difference between two runs the dealing of documents into folds alone makes."""
    rows = []
    try:
        for salt in salts:
            fit.FOLD_SALT = "" if salt == "-" else salt
            result, _ = cross_validate(items, ignored)
            sets = {f"right {n}": v["right"] for n, v in result.items()
                    if not n.endswith(fit.WITHOUT) and n != "seed"}  # fmt: skip
            rows.append(mean_of_sets(result) | sets)
            print(f"  {salt:6s} " + "  ".join(f"{m} {v:.3f}" for m, v in rows[-1].items()),
                  flush=True)  # fmt: skip
    finally:
        fit.FOLD_SALT = ""
    print("  mean   " + "  ".join(f"{m} {np.mean([r[m] for r in rows]):.3f}" for m in rows[0]))
    print("  sd     " + "  ".join(f"{m} {np.std([r[m] for r in rows], ddof=1):.3f}"
                                  for m in rows[0]))  # fmt: skip


def ablate(items: list[fit.Item], ignored: tuple[str, ...]) -> None:
    """The means with `ignored` held at 0, then with each other feature held at 0 as
    well, and with each of `ignored` weighed again ("+feature")."""
    trials = [("-", ignored)]
    trials += [(f, (*ignored, f)) for f in (*fit.QUESTION_FEATURES, *fit.SENTENCE_FEATURES)
               if f not in ignored]  # fmt: skip
    trials += [(f"+{f}", tuple(g for g in ignored if g != f)) for f in ignored]
    for name, held in trials:
        result, aucs = cross_validate(items, held)
        means = mean_of_sets(result)
        print(f"  without {name:22s} " + "  ".join(f"{m} {v:.3f}" for m, v in means.items()),
              f" AUC dev2 {aucs.get('dev2', 0.0):.3f}, NorQuAD {aucs.get('norquad-dev', 0.0):.3f}",
              flush=True)  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=fit.ROOT / "var" / "eval")
    parser.add_argument("--refusal-c", type=float, nargs="+", default=None)
    parser.add_argument("--without-weight", type=float, default=fit.WITHOUT_WEIGHT)
    parser.add_argument("--ignore", nargs="*", default=fit.DROPPED, metavar="FEATURE",
                        choices=(*fit.SENTENCE_FEATURES, *fit.QUESTION_FEATURES))  # fmt: skip
    parser.add_argument("--ablate", action="store_true")
    parser.add_argument("--salts", nargs="+", default=None, metavar="SALT",
                        help="repeat over these fold assignments ('-': the usual one)")  # fmt: skip
    # Retrieval's fusion (bot/retrieve.py), set before the questions are examined.
    parser.add_argument("--bm25-weight", type=float, default=None)
    parser.add_argument("--sentence-weight", type=float, default=None)
    parser.add_argument("--rrf-k", type=int, default=None)
    parser.add_argument("--type-window", type=int, default=None)  # features.TYPE_WINDOW
    parser.add_argument("--sentence-c", type=float, default=None)  # fit.REGULARISATION
    parser.add_argument("--smoothing", type=int, default=None)  # fit.SMOOTHING, odd
    args = parser.parse_args()
    if args.refusal_c:
        fit.REFUSAL_C_GRID = tuple(args.refusal_c)
    fit.WITHOUT_WEIGHT = args.without_weight
    fusion = {"BM25_WEIGHT": args.bm25_weight, "SENTENCE_WEIGHT": args.sentence_weight,
              "RRF_K": args.rrf_k}  # fmt: skip
    for name, value in fusion.items():
        if value is not None:
            setattr(retrieve, name, value)
    if args.type_window is not None:
        features.TYPE_WINDOW = args.type_window
    if args.sentence_c is not None:
        fit.REGULARISATION = args.sentence_c
    if args.smoothing is not None:
        fit.SMOOTHING = args.smoothing
    quiet_libraries()
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        items = fit.examine_all(args.work, settings_from_env().model_cache)
    ignored = tuple(args.ignore)
    if args.ablate:
        ablate(items, ignored)
        return 0
    if args.salts:
        repeated(items, ignored, args.salts)
        print(f"{time.perf_counter() - started:.0f} s")
        return 0
    result, aucs = cross_validate(items, ignored)
    print(f"{DEFAULT_MODEL}, {fit.FOLDS} folds by document, refusal C from {fit.REFUSAL_C_GRID}")
    for name, values in result.items():
        print(f"  {name:12s} " + "  ".join(f"{m} {v:.3f}" for m, v in values.items()))
    means = mean_of_sets(result)
    print("  mean         " + "  ".join(f"{m} {v:.3f}" for m, v in means.items()))
    print("  out-of-fold AUC of P(answerable):", aucs)
    print(f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
