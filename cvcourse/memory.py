"""End-to-end memory networks: soft attention over the sentences of a story (chapter 25).

A memory network (Weston, Chopra and Bordes 2015) answers a question about a story by
looking things up in a memory that holds the story's sentences. The end-to-end version,
MemN2N (Sukhbaatar, Szlam, Weston and Fergus 2015), makes the look-up a softmax, so that the
whole reader trains by backpropagation from question-answer pairs alone. One **hop**:

- each sentence :math:`x_i` is embedded twice, as an input memory :math:`m_i` (embedding
  :math:`A`) and an output memory :math:`c_i` (embedding :math:`C`); the question as the
  controller state :math:`u` (embedding :math:`B`);
- the match :math:`p_i = \\mathrm{softmax}_i(u^\\top m_i)` is the attention over sentences;
- the hop reads :math:`o = \\sum_i p_i c_i` and updates the state, :math:`u \\leftarrow u + o`.

After :math:`K` hops the answer is :math:`\\mathrm{softmax}(W (u + o))` over the vocabulary.
The pieces here:

- :func:`position_encoding`, the paper's word weights :math:`l_{kj}`, so that a sentence's
  embedding depends on word order ("Mary went to the kitchen" is not a bag of words);
- :class:`MemN2N`, with adjacent weight tying (:math:`A^{k+1} = C^k`, :math:`B = A^1`,
  :math:`W^\\top = C^K`), position encoding and temporal encoding (a learnt vector per
  sentence age);
- :func:`attention_weights`, the attention of every hop over the story's sentences;
- :func:`build_vocabulary`, :func:`tokenize` and :func:`encode_examples`, which turn the
  stories of :func:`cvcourse.data.babi_questions` into padded tensors of word indices;
- :func:`fit_memn2n` and :func:`answer_accuracy`, to train and score one.

PyTorch is imported when this module is.
"""

from __future__ import annotations

import re

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validate import _describe, check_number

__all__ = [
    "position_encoding",
    "tokenize",
    "build_vocabulary",
    "encode_examples",
    "MemN2N",
    "attention_weights",
    "fit_memn2n",
    "answer_accuracy",
]

#: Index of the padding word: empty word slots and empty sentences hold it.
PAD = 0
#: Standard deviation of the Gaussian that initialises every embedding, as in the paper.
INIT_STD = 0.1
#: Gradients are clipped to this norm, as in the paper.
MAX_GRAD_NORM = 40.0


def _word_weights(j, k, length, embedding_dim):
    """Sukhbaatar et al.'s l_kj for word j (1-based) of a sentence of ``length`` words and
    embedding component k (1-based); works on NumPy arrays and PyTorch tensors alike."""
    return (1 - j / length) - (k / embedding_dim) * (1 - 2 * j / length)


def position_encoding(sentence_length: int, embedding_dim: int) -> np.ndarray:
    """The position-encoding weights of a sentence: row j scales the embedding of word j.

    Sukhbaatar et al. (2015) embed a sentence as :math:`\\sum_j l_j \\odot A x_j` with

    .. math:: l_{kj} = (1 - j/J) - (k/d)\\,(1 - 2j/J),

    for word :math:`j = 1..J` of a sentence of :math:`J` words and embedding component
    :math:`k = 1..d`. Without it (all weights 1) a sentence is a bag of words.

    Parameters
    ----------
    sentence_length : int
        :math:`J`, the number of words (at least 1).
    embedding_dim : int
        :math:`d` (at least 1).

    Returns
    -------
    numpy.ndarray of float64, shape (sentence_length, embedding_dim)
        Entry ``[j - 1, k - 1]`` is :math:`l_{kj}`.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is below 1.

    Examples
    --------
    >>> position_encoding(2, 2)
    array([[0.5, 0.5],
           [0.5, 1. ]])
    """
    sentence_length = check_number(sentence_length, "sentence_length", low=1, integer=True)
    embedding_dim = check_number(embedding_dim, "embedding_dim", low=1, integer=True)
    j = np.arange(1, sentence_length + 1, dtype=np.float64)[:, None]
    k = np.arange(1, embedding_dim + 1, dtype=np.float64)[None, :]
    return _word_weights(j, k, sentence_length, embedding_dim)


def tokenize(text: str) -> list:
    """Lower-case words of a sentence or question, without punctuation.

    Examples
    --------
    >>> tokenize("Where is Mary?")
    ['where', 'is', 'mary']
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a sentence, a str; got {_describe(text)}.")
    return re.findall(r"[a-z0-9]+", text.lower())


def _check_examples(examples, name="examples"):
    if isinstance(examples, (str, bytes)) or not hasattr(examples, "__len__") or not all(
            hasattr(e, "story") and hasattr(e, "question") and hasattr(e, "answer") for e in examples):
        raise TypeError(f"{name} must be a list of BabiExample (from cvcourse.data.babi_questions); "
                        f"got {_describe(examples)}.")
    if len(examples) == 0:
        raise ValueError(f"{name} is empty; it needs at least one question.")
    return list(examples)


def build_vocabulary(examples) -> dict:
    """Every word of the stories, questions and answers, numbered from 1 (0 is padding).

    Parameters
    ----------
    examples : list of BabiExample
        Usually the training questions; the test questions must use no other words.

    Returns
    -------
    dict of str to int
        Words in alphabetical order, numbered 1, 2, ...

    Raises
    ------
    TypeError
        If ``examples`` is not a list of examples.
    ValueError
        If it is empty.

    Examples
    --------
    >>> from cvcourse.data import babi_questions
    >>> vocabulary = build_vocabulary(babi_questions(1))
    >>> vocabulary["where"] > 0
    True
    """
    examples = _check_examples(examples)
    words = set()
    for example in examples:
        for text in (*example.story, example.question, example.answer):
            words.update(tokenize(text))
    return {word: index for index, word in enumerate(sorted(words), start=PAD + 1)}


def _indices(text, vocabulary, length):
    words = tokenize(text)
    unknown = [w for w in words if w not in vocabulary]
    if unknown:
        raise ValueError(f"the word {unknown[0]!r} of {text!r} is not in the vocabulary; build the "
                         "vocabulary from examples that contain it.")
    if len(words) > length:
        raise ValueError(f"{text!r} has {len(words)} words, more than sentence_length={length}.")
    return [vocabulary[w] for w in words] + [PAD] * (length - len(words))


def encode_examples(examples, vocabulary, memory_size=None, sentence_length=None):
    """Word indices of stories, questions and answers, padded into tensors.

    A story's sentences fill the memory slots from slot 0, oldest first; the slots after
    them hold empty sentences (all padding), which the model ignores. A story longer than
    ``memory_size`` keeps only its most recent sentences, as in the paper.

    Parameters
    ----------
    examples : list of BabiExample
    vocabulary : dict of str to int
        From :func:`build_vocabulary`.
    memory_size : int, optional
        Memory slots per story; the longest story by default.
    sentence_length : int, optional
        Words per sentence and question; the longest by default.

    Returns
    -------
    stories : torch.LongTensor, shape (N, memory_size, sentence_length)
    questions : torch.LongTensor, shape (N, sentence_length)
    answers : torch.LongTensor, shape (N,)

    Raises
    ------
    TypeError
        If ``examples`` is not a list of examples or ``vocabulary`` not a dict.
    ValueError
        If a word is not in the vocabulary, a sentence is longer than ``sentence_length`` or
        an answer is more than one word.

    Examples
    --------
    >>> from cvcourse.data import babi_questions
    >>> examples = babi_questions(3, seed=0)
    >>> stories, questions, answers = encode_examples(examples, build_vocabulary(examples))
    >>> tuple(stories.shape), tuple(questions.shape), tuple(answers.shape)
    ((3, 6, 6), (3, 6), (3,))
    """
    examples = _check_examples(examples)
    if not isinstance(vocabulary, dict):
        raise TypeError(f"vocabulary must be a dict of word indices, as build_vocabulary returns; "
                        f"got {_describe(vocabulary)}.")
    longest_story = max(len(e.story) for e in examples)
    memory_size = longest_story if memory_size is None else check_number(
        memory_size, "memory_size", low=1, integer=True)
    longest = max(len(tokenize(t)) for e in examples for t in (*e.story, e.question))
    sentence_length = longest if sentence_length is None else check_number(
        sentence_length, "sentence_length", low=1, integer=True)
    stories = np.full((len(examples), memory_size, sentence_length), PAD, dtype=np.int64)
    questions = np.empty((len(examples), sentence_length), dtype=np.int64)
    answers = np.empty(len(examples), dtype=np.int64)
    for n, example in enumerate(examples):
        for slot, sentence in enumerate(example.story[-memory_size:]):
            stories[n, slot] = _indices(sentence, vocabulary, sentence_length)
        questions[n] = _indices(example.question, vocabulary, sentence_length)
        if len(tokenize(example.answer)) != 1:
            raise ValueError(f"the answer {example.answer!r} to {example.question!r} must be one word.")
        answers[n] = _indices(example.answer, vocabulary, 1)[0]
    return torch.from_numpy(stories), torch.from_numpy(questions), torch.from_numpy(answers)


class MemN2N(nn.Module):
    """End-to-end memory network with adjacent weight tying (Sukhbaatar et al. 2015).

    ``hops + 1`` word embeddings :math:`E^1..E^{K+1}` serve every role: hop :math:`k` reads
    its input memories with :math:`A^k = E^k` and its output memories with
    :math:`C^k = E^{k+1}`; the question is embedded with :math:`B = E^1`, and the answer
    scores are :math:`W(u + o)` with :math:`W^\\top = C^K = E^{K+1}`. Temporal encoding adds
    a learnt vector per sentence age (0 for the most recent sentence) to each memory,
    :math:`T_A^k` and :math:`T_C^k`, tied the same way.

    Parameters
    ----------
    vocab_size : int
        Number of words plus one for padding (``len(vocabulary) + 1``).
    memory_size : int
        The most sentences a story may hold (the temporal encoding has one row per age).
    embedding_dim : int
        :math:`d`; the paper uses 20 on bAbI.
    hops : int
        :math:`K`, the number of memory look-ups.
    position_encoding : bool
        Weight the words of each sentence by :func:`position_encoding`; else a bag of words.
    temporal_encoding : bool
        Add the temporal vectors to the memories.

    Examples
    --------
    >>> model = MemN2N(10, memory_size=4, embedding_dim=8, hops=2)
    >>> stories = torch.randint(1, 10, (3, 4, 5)); questions = torch.randint(1, 10, (3, 5))
    >>> tuple(model(stories, questions).shape)
    (3, 10)
    """

    def __init__(self, vocab_size: int, memory_size: int, embedding_dim: int = 20, hops: int = 3,
                 position_encoding: bool = True, temporal_encoding: bool = True):
        super().__init__()
        self.vocab_size = check_number(vocab_size, "vocab_size", low=2, integer=True)
        self.memory_size = check_number(memory_size, "memory_size", low=1, integer=True)
        self.embedding_dim = check_number(embedding_dim, "embedding_dim", low=1, integer=True)
        self.hops = check_number(hops, "hops", low=1, integer=True)
        self.position_encoding = bool(position_encoding)
        self.temporal_encoding = bool(temporal_encoding)
        # The hops + 1 embeddings side by side in one table, (vocab_size, hops + 1, d) once
        # unflattened, so that one look-up embeds a sentence for every hop; row PAD stays 0.
        self.embedding = nn.Embedding(vocab_size, (hops + 1) * embedding_dim, padding_idx=PAD)
        nn.init.normal_(self.embedding.weight, std=INIT_STD)
        with torch.no_grad():
            self.embedding.weight[PAD].zero_()
        self.temporal = nn.Parameter(torch.randn(hops + 1, memory_size, embedding_dim) * INIT_STD)

    def _encode(self, words):
        """Sentence vectors for every embedding, shape (..., hops + 1, d): the sum of the word
        embeddings, weighted by position encoding."""
        vectors = self.embedding(words).unflatten(-1, (self.hops + 1, self.embedding_dim))  # (..., L, K+1, d)
        if not self.position_encoding:
            return vectors.sum(dim=-3)
        length = (words != PAD).sum(dim=-1, keepdim=True).clamp(min=1).unsqueeze(-1)  # (..., 1, 1)
        j = torch.arange(1, words.shape[-1] + 1, device=words.device, dtype=vectors.dtype)[:, None]
        k = torch.arange(1, self.embedding_dim + 1, device=words.device, dtype=vectors.dtype)
        weights = _word_weights(j, k, length, self.embedding_dim) * (j <= length)  # (..., L, d)
        return (weights.unsqueeze(-2) * vectors).sum(dim=-3)

    def _check(self, stories, questions):
        for name, value, ndim in (("stories", stories, 3), ("questions", questions, 2)):
            if not isinstance(value, torch.Tensor) or value.dtype != torch.long:
                raise TypeError(f"{name} must be a LongTensor of word indices (from encode_examples); "
                                f"got {_describe(value)}.")
            if value.ndim != ndim:
                raise ValueError(f"{name} must be {ndim}-D; got shape {tuple(value.shape)}.")
        if len(stories) != len(questions) or stories.shape[-1] != questions.shape[-1]:
            raise ValueError(f"stories (N, memory, words) and questions (N, words) must agree in N and "
                             f"words; got {tuple(stories.shape)} and {tuple(questions.shape)}.")
        if stories.shape[1] > self.memory_size:
            raise ValueError(f"stories hold {stories.shape[1]} memory slots, more than this model's "
                             f"memory_size={self.memory_size}.")
        for name, value in (("stories", stories), ("questions", questions)):
            if value.numel() and (value.min() < 0 or value.max() >= self.vocab_size):
                raise ValueError(f"{name} must hold word indices from 0 to vocab_size - 1 = "
                                 f"{self.vocab_size - 1}; got values from {int(value.min())} to "
                                 f"{int(value.max())}.")

    def read(self, stories, questions):
        """Answer scores and the attention of every hop.

        Parameters
        ----------
        stories : torch.LongTensor, shape (N, M, L)
        questions : torch.LongTensor, shape (N, L)

        Returns
        -------
        scores : torch.Tensor, shape (N, vocab_size)
        attention : torch.Tensor, shape (N, hops, M)
            Each row sums to 1 over the story's sentences; empty slots get 0.
        """
        self._check(stories, questions)
        present = (stories != PAD).any(dim=-1)           # (N, M): slots that hold a sentence
        count = present.sum(dim=1, keepdim=True)
        slots = torch.arange(stories.shape[1], device=stories.device)
        age = (count - 1 - slots).clamp(min=0)          # 0 for the most recent sentence
        u = self._encode(questions)[:, 0]               # B = E^1
        memories = self._encode(stories)                  # (N, M, K+1, d)
        if self.temporal_encoding:
            memories = memories + self.temporal[:, age].permute(1, 2, 0, 3)
        attention = []
        for hop in range(self.hops):
            memory_in, memory_out = memories[:, :, hop], memories[:, :, hop + 1]
            match = torch.einsum("nmd,nd->nm", memory_in, u).masked_fill(~present, float("-inf"))
            p = torch.softmax(match, dim=1).nan_to_num(0.0)  # a story with no sentence reads nothing
            u = u + torch.einsum("nm,nmd->nd", p, memory_out)
            attention.append(p)
        scores = u @ self.embedding.weight[:, -self.embedding_dim:].T  # W = (C^K)^T
        return scores, torch.stack(attention, dim=1)

    def forward(self, stories, questions):
        """Answer scores (logits over the vocabulary), shape (N, vocab_size)."""
        return self.read(stories, questions)[0]


def _check_model(model):
    if not isinstance(model, MemN2N):
        raise TypeError(f"model must be a MemN2N; got {_describe(model)}.")


def _check_answers(model, questions, answers):
    """Refuse answers that are not one word index of the model's vocabulary per question."""
    if not isinstance(answers, torch.Tensor) or answers.dtype != torch.long:
        raise TypeError(f"answers must be a LongTensor of word indices (from encode_examples); "
                        f"got {_describe(answers)}.")
    if answers.shape != questions.shape[:1]:
        raise ValueError(f"answers must hold one word index per question, shape ({len(questions)},); "
                         f"got shape {tuple(answers.shape)}.")
    if answers.numel() and (answers.min() < 0 or answers.max() >= model.vocab_size):
        raise ValueError(f"answers must be word indices from 0 to vocab_size - 1 = {model.vocab_size - 1}; "
                         f"got values from {int(answers.min())} to {int(answers.max())}.")


def _read_without_gradients(model, stories, questions):
    """``model.read`` in evaluation mode, on the model's device; results on the CPU."""
    _check_model(model)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    with torch.no_grad():
        scores, attention = model.read(stories.to(device), questions.to(device))
    model.train(was_training)
    return scores.cpu(), attention.cpu()


def attention_weights(model, stories, questions) -> np.ndarray:
    """How much each hop of a memory network attends to each sentence of each story.

    Parameters
    ----------
    model : MemN2N
    stories : torch.LongTensor, shape (N, M, L) or (M, L) for one story
    questions : torch.LongTensor, shape (N, L) or (L,) for one question

    Returns
    -------
    numpy.ndarray, shape (N, hops, M), or (hops, M) for one story
        Row ``[n, k]`` is hop k's softmax over the memory slots of story n (0 on empty slots).

    Raises
    ------
    TypeError
        If ``model`` is not a MemN2N or the stories are not word indices.
    ValueError
        If the shapes do not fit together.
    """
    single = isinstance(stories, torch.Tensor) and stories.ndim == 2
    if single:
        if not isinstance(questions, torch.Tensor) or questions.ndim != 1:
            raise TypeError(f"questions must be one question, a 1-D LongTensor, when stories is one "
                            f"story (2-D); got {_describe(questions)}.")
        stories, questions = stories[None], questions[None]
    attention = _read_without_gradients(model, stories, questions)[1].numpy()
    return attention[0] if single else attention


def fit_memn2n(model, stories, questions, answers, epochs: int = 20, batch_size: int = 32, lr: float = 0.01,
               seed: int = 0, device=None) -> list:
    """Train a memory network with Adam and cross-entropy on the answers; return the losses.

    Gradients are clipped to norm 40 as in Sukhbaatar et al. (2015), who trained with plain
    SGD for 100 epochs; with Adam, task 1 is learnt in a few epochs.

    Parameters
    ----------
    model : MemN2N
        Trained in place, on ``device``.
    stories, questions, answers : torch.LongTensor
        From :func:`encode_examples`.
    epochs, batch_size : int
    lr : float
        Adam's learning rate.
    seed : int
        Seeds the order of the batches (a non-negative integer).
    device : torch.device or str, optional
        :func:`cvcourse.device` by default.

    Returns
    -------
    list of float
        The mean training loss of each epoch.

    Raises
    ------
    TypeError
        If ``model`` is not a MemN2N or the tensors are not LongTensors of word indices.
    ValueError
        If a setting is out of range, or the shapes or word indices do not fit the model.
    """
    from .train import _resolve_device

    _check_model(model)
    epochs = check_number(epochs, "epochs", low=1, integer=True)
    batch_size = check_number(batch_size, "batch_size", low=1, integer=True)
    lr = check_number(lr, "lr", low=0, low_inclusive=False, finite=True)
    seed = check_number(seed, "seed", low=0, integer=True)
    device = _resolve_device(device)
    model._check(stories, questions)
    _check_answers(model, questions, answers)
    model.to(device).train()
    stories, questions, answers = stories.to(device), questions.to(device), answers.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(answers), generator=generator).to(device)
        total = 0.0
        for batch in order.split(batch_size):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(stories[batch], questions[batch]), answers[batch])
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(answers))
    return losses


def answer_accuracy(model, stories, questions, answers) -> float:
    """The fraction of questions whose highest-scoring word is the answer.

    Parameters
    ----------
    model : MemN2N
    stories, questions, answers : torch.LongTensor
        From :func:`encode_examples`.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``model`` is not a MemN2N or the tensors are not LongTensors of word indices.
    ValueError
        If the shapes or word indices do not fit the model.
    """
    _check_model(model)
    model._check(stories, questions)
    _check_answers(model, questions, answers)
    predicted = _read_without_gradients(model, stories, questions)[0].argmax(dim=1)
    return float((predicted == answers.cpu()).float().mean())
