"""cvcourse.memory (end-to-end memory networks) and cvcourse.data.babi (synthetic bAbI tasks).

The oracles are written here, independently of the module: the paper's position-encoding
formula by hand and in loops, the MemN2N equations for one story at a time with explicit loops,
and a regular-expression reader that solves the generated stories. The trained quality (at least
95% on held-out single-supporting-fact questions) is asserted by chapter 25's notebook, not here.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from cvcourse import memory
from cvcourse.data import BABI_TASKS, BabiExample, babi


# ----------------------------------------------------------------------------- position encoding

def test_position_encoding_equals_hand_computed_weights():
    # Sukhbaatar et al. (2015): l_kj = (1 - j/J) - (k/d)(1 - 2j/J), j = 1..J, k = 1..d.
    # J = 3, d = 2: j = 1 gives 2/3 - (k/2)(1/3); j = 2 gives 1/3 + (k/2)(1/3); j = 3 gives k/2.
    expected = np.array([[1 / 2, 1 / 3],
                         [1 / 2, 2 / 3],
                         [1 / 2, 1.0]])
    np.testing.assert_allclose(memory.position_encoding(3, 2), expected, rtol=0, atol=1e-15)
    # A one-word sentence: l_k1 = 0 - (k/d)(1 - 2) = k/d.
    np.testing.assert_allclose(memory.position_encoding(1, 4), [[0.25, 0.5, 0.75, 1.0]], atol=1e-15)


@pytest.mark.parametrize("length, dim", [(1, 1), (2, 5), (6, 20), (11, 3)])
def test_position_encoding_equals_the_formula_in_loops(length, dim):
    expected = np.empty((length, dim))
    for j in range(1, length + 1):
        for k in range(1, dim + 1):
            expected[j - 1, k - 1] = (1 - j / length) - (k / dim) * (1 - 2 * j / length)
    got = memory.position_encoding(length, dim)
    assert got.shape == (length, dim) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14)


def test_position_encoding_tells_word_order_apart():
    # With all weights 1 "mary went kitchen" and "kitchen went mary" would embed alike.
    weights = memory.position_encoding(3, 4)
    rng = np.random.default_rng(0)
    words = rng.normal(size=(3, 4))
    assert not np.allclose((weights * words).sum(0), (weights * words[::-1]).sum(0))


# ----------------------------------------------------------------------------- MemN2N against the paper

def _paper_scores_and_attention(model, story, question):
    """The MemN2N equations for one story, with loops and the model's weights (float64)."""
    hops, d = model.hops, model.embedding_dim
    table = model.embedding.weight.detach().double().numpy().reshape(-1, hops + 1, d)   # E^1 .. E^{K+1}
    temporal = model.temporal.detach().double().numpy()                                 # T^1 .. T^{K+1}

    def embed(words, which):
        words = [w for w in words if w != 0]
        total = np.zeros(d)
        for j, word in enumerate(words, start=1):
            weight = np.ones(d)
            if model.position_encoding:
                weight = np.array([(1 - j / len(words)) - (k / d) * (1 - 2 * j / len(words)) for k in range(1, d + 1)])
            total += weight * table[word, which]
        return total

    sentences = [list(s) for s in story.tolist() if any(s)]
    u = embed(question.tolist(), 0)                      # B = A^1
    attention = np.zeros((hops, len(story)))
    for k in range(hops):                                # A^k = E^k, C^k = E^{k+1}
        m = np.array([embed(s, k) for s in sentences])
        c = np.array([embed(s, k + 1) for s in sentences])
        if model.temporal_encoding:                      # sentences indexed in reverse order: age 0 = last
            ages = [len(sentences) - 1 - i for i in range(len(sentences))]
            m, c = m + temporal[k, ages], c + temporal[k + 1, ages]
        match = m @ u
        p = np.exp(match - match.max()) / np.exp(match - match.max()).sum()
        u = u + p @ c
        attention[k, :len(sentences)] = p
    return table[:, hops] @ u, attention                 # W^T = C^K = E^{K+1}


def _random_batch(seed, n=4, memory_size=5, words=6, vocab=12):
    """Left-aligned stories with 1..memory_size sentences of 1..words words each."""
    rng = np.random.default_rng(seed)
    stories = np.zeros((n, memory_size, words), np.int64)
    questions = np.zeros((n, words), np.int64)
    for i in range(n):
        for slot in range(rng.integers(1, memory_size + 1)):
            length = rng.integers(1, words + 1)
            stories[i, slot, :length] = rng.integers(1, vocab, length)
        length = rng.integers(1, words + 1)
        questions[i, :length] = rng.integers(1, vocab, length)
    return torch.from_numpy(stories), torch.from_numpy(questions)


@pytest.mark.parametrize("hops, position, temporal", [(1, True, True), (3, True, True), (2, False, True),
                                                      (3, True, False), (2, False, False)])
def test_memn2n_equals_the_paper_equations(hops, position, temporal):
    torch.manual_seed(hops)
    model = memory.MemN2N(12, memory_size=5, embedding_dim=7, hops=hops, position_encoding=position,
                          temporal_encoding=temporal).double()
    stories, questions = _random_batch(hops + 10 * position + 100 * temporal)
    scores, attention = model.read(stories, questions)
    for n in range(len(stories)):
        expected_scores, expected_attention = _paper_scores_and_attention(model, stories[n], questions[n])
        np.testing.assert_allclose(scores[n].detach().numpy(), expected_scores, atol=1e-12)
        np.testing.assert_allclose(attention[n].detach().numpy(), expected_attention, atol=1e-12)


def test_shapes_attention_rows_sum_to_one_and_empty_slots_get_none():
    model = memory.MemN2N(12, memory_size=5, embedding_dim=8, hops=3)
    stories, questions = _random_batch(0, n=6)
    assert tuple(model(stories, questions).shape) == (6, 12)
    attention = memory.attention_weights(model, stories, questions)
    assert attention.shape == (6, 3, 5)
    np.testing.assert_allclose(attention.sum(axis=2), 1.0, atol=1e-6)
    empty = ~(stories != 0).any(dim=-1).numpy()
    assert np.all(attention[np.broadcast_to(empty[:, None], attention.shape)] == 0)
    single = memory.attention_weights(model, stories[0], questions[0])
    np.testing.assert_allclose(single, attention[0], atol=1e-6)


def test_padding_is_ignored_and_the_padding_row_stays_zero():
    torch.manual_seed(0)
    model = memory.MemN2N(12, memory_size=6, embedding_dim=8, hops=2)
    stories, questions = _random_batch(1, memory_size=4, words=5)
    wider_stories = torch.nn.functional.pad(stories, (0, 3, 0, 2))   # more words and more slots, all padding
    wider_questions = torch.nn.functional.pad(questions, (0, 3))
    assert torch.allclose(model(stories, questions), model(wider_stories, wider_questions), atol=1e-6)
    assert torch.all(model.embedding.weight[memory.PAD] == 0)


def test_temporal_encoding_makes_order_matter_and_without_it_attention_follows_the_sentences():
    torch.manual_seed(0)
    stories, questions = _random_batch(2, n=1, memory_size=4)
    count = int((stories[0] != 0).any(-1).sum())
    assert count > 1, "the story needs several sentences for their order to matter"
    reversed_stories = stories.clone()
    reversed_stories[0, :count] = stories[0, :count].flip(0)
    plain = memory.MemN2N(12, memory_size=4, embedding_dim=8, hops=1, temporal_encoding=False)
    a = memory.attention_weights(plain, stories, questions)[0, 0, :count]
    b = memory.attention_weights(plain, reversed_stories, questions)[0, 0, :count]
    np.testing.assert_allclose(a, b[::-1], atol=1e-6)
    timed = memory.MemN2N(12, memory_size=4, embedding_dim=8, hops=1)
    a = memory.attention_weights(timed, stories, questions)[0, 0, :count]
    b = memory.attention_weights(timed, reversed_stories, questions)[0, 0, :count]
    assert not np.allclose(a, b[::-1], atol=1e-4)


def test_a_few_steps_of_training_lower_the_loss_reproducibly():
    examples = babi.babi_questions(160, seed=0)
    vocabulary = memory.build_vocabulary(examples)
    data = memory.encode_examples(examples, vocabulary)

    def run():
        torch.manual_seed(0)
        model = memory.MemN2N(len(vocabulary) + 1, memory_size=data[0].shape[1], hops=2)
        return memory.fit_memn2n(model, *data, epochs=3, device="cpu"), memory.answer_accuracy(model, *data)

    (losses, accuracy), (again, _) = run(), run()
    assert losses == again and losses[-1] < losses[0]
    assert 0.0 <= accuracy <= 1.0


# ----------------------------------------------------------------------------- encoding stories

def test_vocabulary_and_encoding():
    examples = [BabiExample(("Mary moved to the bathroom.", "John went to the hallway."), "Where is Mary?",
                            "bathroom", (0,))]
    vocabulary = memory.build_vocabulary(examples)
    assert sorted(vocabulary.values()) == list(range(1, len(vocabulary) + 1))
    assert list(vocabulary) == sorted(vocabulary) and "where" in vocabulary and "Mary" not in vocabulary
    stories, questions, answers = memory.encode_examples(examples, vocabulary, memory_size=3, sentence_length=6)
    v = vocabulary
    assert stories.tolist() == [[[v["mary"], v["moved"], v["to"], v["the"], v["bathroom"], 0],
                                 [v["john"], v["went"], v["to"], v["the"], v["hallway"], 0],
                                 [0] * 6]]
    assert questions.tolist() == [[v["where"], v["is"], v["mary"], 0, 0, 0]]
    assert answers.tolist() == [v["bathroom"]] and stories.dtype == torch.long
    # A story longer than the memory keeps its most recent sentences.
    short, _, _ = memory.encode_examples(examples, vocabulary, memory_size=1)
    assert short[0, 0, 0] == v["john"]


def test_encoding_refuses_unknown_words_and_long_sentences():
    examples = babi.babi_questions(5, seed=0)
    vocabulary = memory.build_vocabulary(examples[:1])
    words = {w for e in examples for t in (*e.story, e.question, e.answer) for w in memory.tokenize(t)}
    assert words - set(vocabulary), "the first question should not contain every word of the others"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        memory.encode_examples(examples, vocabulary)
    with pytest.raises(ValueError, match="sentence_length"):
        memory.encode_examples(examples[:1], vocabulary, sentence_length=2)
    assert memory.tokenize("Where is Mary?") == ["where", "is", "mary"]


# ----------------------------------------------------------------------------- the bAbI-style data

def _solve(example):
    """Read a story with regular expressions and answer its question: (answer, supporting facts)."""
    where, moved_at = {}, {}            # person -> place, index of the sentence that put them there
    holder, dropped = {}, {}            # object -> (person, sentence); object -> (place, drop, move)
    for i, sentence in enumerate(example.story):
        if m := re.fullmatch(r"(\w+) (?:moved|went|went back|journeyed|travelled) to the (\w+)\.", sentence):
            where[m[1]], moved_at[m[1]] = m[2], i
        elif m := re.fullmatch(r"(\w+) (?:picked up|got|grabbed|took) the (\w+)\.", sentence):
            assert m[2] not in holder, f"{sentence!r}: the {m[2]} is already held"
            if m[2] in dropped:
                assert dropped[m[2]][0] == where[m[1]], f"{sentence!r}: the {m[2]} lies elsewhere"
            holder[m[2]] = (m[1], i)
            dropped.pop(m[2], None)
        elif m := re.fullmatch(r"(\w+) (?:dropped|put down|discarded|left) the (\w+)\.", sentence):
            assert holder.pop(m[2])[0] == m[1], f"{sentence!r}: dropped by someone who did not hold it"
            dropped[m[2]] = (where[m[1]], i, moved_at[m[1]])
        else:
            raise AssertionError(f"unreadable sentence {sentence!r}")
    if m := re.fullmatch(r"Where is (\w+)\?", example.question):
        return where[m[1]], (moved_at[m[1]],)
    thing = re.fullmatch(r"Where is the (\w+)\?", example.question)[1]
    if thing in holder:
        person, taken = holder[thing]
        return where[person], tuple(sorted((taken, moved_at[person])))
    place, drop, move = dropped[thing]
    return place, (move, drop)


@pytest.mark.parametrize("task", sorted(BABI_TASKS))
def test_generated_answers_and_supporting_facts_are_right(task):
    examples = babi.babi_questions(600, task=task, seed=3)
    assert len(examples) == 600
    for example in examples:
        assert _solve(example) == (example.answer, example.supporting), example
        assert len(example.supporting) == task
    # Questions about the same story share its beginning, as in bAbI.
    assert examples[1].story[:len(examples[0].story)] == examples[0].story


@pytest.mark.parametrize("task", sorted(BABI_TASKS))
def test_generator_is_seeded_and_varied(task):
    assert babi.babi_questions(50, task=task, seed=7) == babi.babi_questions(50, task=task, seed=7)
    assert babi.babi_questions(50, task=task, seed=7) != babi.babi_questions(50, task=task, seed=8)
    examples = babi.babi_questions(500, task=task, seed=0)
    answers = {e.answer for e in examples}
    assert answers == set(babi.PLACES)
    # The answer is not simply the last sentence's place: the reader must look back.
    last = [memory.tokenize(e.story[-1])[-1] == e.answer for e in examples]
    assert np.mean(last) < 0.6


# ----------------------------------------------------------------------------- bad input

def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="sentence_length"):
        memory.position_encoding(0, 3)
    with pytest.raises(TypeError, match="embedding_dim"):
        memory.position_encoding(3, 2.5)
    with pytest.raises(ValueError, match="vocab_size"):
        memory.MemN2N(1, memory_size=3)
    with pytest.raises(ValueError, match="hops"):
        memory.MemN2N(5, memory_size=3, hops=0)
    model = memory.MemN2N(12, memory_size=5, embedding_dim=4)
    stories, questions = _random_batch(0)
    with pytest.raises(TypeError, match="stories"):
        model(stories.float(), questions)
    with pytest.raises(ValueError, match="questions"):
        model(stories, questions[None])
    with pytest.raises(ValueError, match="must agree"):
        model(stories, questions[:2])
    with pytest.raises(ValueError, match="memory_size"):
        model(torch.ones(1, 6, 3, dtype=torch.long), torch.ones(1, 3, dtype=torch.long))
    with pytest.raises(TypeError, match="model"):
        memory.attention_weights(torch.nn.Linear(2, 2), stories, questions)
    with pytest.raises(ValueError, match="answers"):
        memory.answer_accuracy(model, stories, questions, torch.zeros(2, dtype=torch.long))
    with pytest.raises(TypeError, match="answers"):
        memory.answer_accuracy(model, stories, questions, [1] * len(stories))
    with pytest.raises(ValueError, match="stories must hold word indices"):
        model(stories + 12, questions)
    with pytest.raises(ValueError, match="questions must hold word indices"):
        model(stories, -questions)
    answers = torch.ones(len(stories), dtype=torch.long)
    with pytest.raises(ValueError, match="one word index per question"):
        memory.fit_memn2n(model, stories, questions, answers[:1], epochs=1, device="cpu")
    with pytest.raises(ValueError, match="answers must be word indices"):
        memory.fit_memn2n(model, stories, questions, answers + 20, epochs=1, device="cpu")
    with pytest.raises(TypeError, match="seed"):
        memory.fit_memn2n(model, stories, questions, answers, epochs=1, device="cpu", seed="a")
    with pytest.raises(TypeError, match="questions"):
        memory.attention_weights(model, stories[0], [1, 2])
    with pytest.raises(ValueError, match="one word"):
        memory.encode_examples([BabiExample(("Mary moved.",), "Where is Mary?", "the office", (0,))],
                               {"mary": 1, "moved": 2, "where": 3, "is": 4, "the": 5, "office": 6})
    with pytest.raises(ValueError, match="num_questions"):
        babi.babi_questions(0)
    with pytest.raises(ValueError, match="task"):
        babi.babi_questions(3, task=3)
    with pytest.raises(TypeError, match="examples"):
        memory.build_vocabulary(["Mary moved to the bathroom."])
    with pytest.raises(ValueError, match="examples"):
        memory.build_vocabulary([])
    with pytest.raises(TypeError, match="vocabulary"):
        memory.encode_examples(babi.babi_questions(1), ["where"])
