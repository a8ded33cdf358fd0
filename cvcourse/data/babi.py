"""Synthetic bAbI-style question answering: short stories, a question, a one-word answer.

Weston et al. (2015) proposed twenty toy tasks, the bAbI tasks, each testing one skill a
reader needs. This module writes stories in the style of the first two, offline and seeded:

- **task 1, single supporting fact**: people move between rooms; "Where is Mary?" is answered
  by the last sentence that mentions Mary::

      Mary moved to the bathroom. John went to the hallway. Where is Mary? -> bathroom

- **task 2, two supporting facts**: people also pick up and drop objects; "Where is the
  football?" needs two sentences, the one that says who took (or dropped) the football and the
  one that says where that person went::

      John picked up the football. John went to the garden. Where is the football? -> garden

As in bAbI, a story grows by a few sentences between questions, and each question sees the
story up to that point. Every :class:`BabiExample` records the indices of its **supporting
facts**, the sentences a reader needs, so that a model's attention can be checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._validate import check_choice, check_number, random_generator

__all__ = ["BABI_TASKS", "BabiExample", "babi_questions"]

#: The tasks :func:`babi_questions` writes, by number, with their names in Weston et al. (2015).
BABI_TASKS = {1: "single supporting fact", 2: "two supporting facts"}

PEOPLE = ("Mary", "John", "Sandra", "Daniel")
PLACES = ("bathroom", "bedroom", "garden", "hallway", "kitchen", "office")
OBJECTS = ("football", "apple", "milk")
MOVES = ("moved to", "went to", "went back to", "journeyed to", "travelled to")
TAKES = ("picked up", "got", "grabbed", "took")
DROPS = ("dropped", "put down", "discarded", "left")

#: Questions per story and sentences written before each question, per task: (low, high).
QUESTIONS_PER_STORY = 5
SENTENCES_BETWEEN = {1: (2, 2), 2: (2, 4)}


@dataclass(frozen=True)
class BabiExample:
    """One question about a story.

    Attributes
    ----------
    story : tuple of str
        The sentences before the question, oldest first, e.g. ``"Mary moved to the bathroom."``.
    question : str
        E.g. ``"Where is Mary?"``.
    answer : str
        One word, e.g. ``"bathroom"``.
    supporting : tuple of int
        Indices into ``story`` of the sentences that answer the question (one for task 1,
        two for task 2), in increasing order.
    """

    story: tuple
    question: str
    answer: str
    supporting: tuple


class _World:
    """Where everyone is, who holds what, and which sentence said so."""

    def __init__(self):
        self.sentences = []
        self.place = {}      # person -> (place, index of the sentence that moved them there)
        self.moves = {}      # person -> [(sentence index, place)], oldest first
        self.holder = {}     # object -> (person, index of the sentence where they took it)
        self.dropped = {}    # object -> (place, drop sentence, move sentence that placed its holder)

    def move(self, rng):
        person = PEOPLE[rng.integers(len(PEOPLE))]
        here = self.place.get(person, (None,))[0]
        places = [p for p in PLACES if p != here]
        place = places[rng.integers(len(places))]
        self._say(f"{person} {MOVES[rng.integers(len(MOVES))]} the {place}.")
        self.place[person] = (place, len(self.sentences) - 1)

    def take(self, rng):
        free = [o for o in OBJECTS if o not in self.holder]
        # Someone who can reach the object: it lies where they are, or it has not been seen yet.
        options = [(p, o) for o in free for p in self.place
                   if o not in self.dropped or self.dropped[o][0] == self.place[p][0]]
        if not options:
            return False
        person, thing = options[rng.integers(len(options))]
        self._say(f"{person} {TAKES[rng.integers(len(TAKES))]} the {thing}.")
        self.holder[thing] = (person, len(self.sentences) - 1)
        self.dropped.pop(thing, None)
        return True

    def drop(self, rng):
        held = sorted(self.holder)
        if not held:
            return False
        thing = held[rng.integers(len(held))]
        person, _ = self.holder.pop(thing)
        self._say(f"{person} {DROPS[rng.integers(len(DROPS))]} the {thing}.")
        place, moved_at = self.place[person]
        self.dropped[thing] = (place, len(self.sentences) - 1, moved_at)
        return True

    def _say(self, sentence):
        self.sentences.append(sentence)

    def where_is_person(self, rng):
        """A question about someone whose place is known: (question, answer, supporting)."""
        person = sorted(self.place)[rng.integers(len(self.place))]
        place, said_at = self.place[person]
        return f"Where is {person}?", place, (said_at,)

    def where_is_object(self, rng):
        """A question about an object whose place is known, or None if there is none."""
        known = sorted(set(self.holder) | set(self.dropped))
        if not known:
            return None
        thing = known[rng.integers(len(known))]
        if thing in self.holder:
            person, taken_at = self.holder[thing]
            place, moved_at = self.place[person]
            facts = (taken_at, moved_at)
        else:
            place, dropped_at, moved_at = self.dropped[thing]
            facts = (dropped_at, moved_at)
        return f"Where is the {thing}?", place, tuple(sorted(facts))


def _write_sentence(world, task, rng):
    """Add one sentence: a move (always in task 1), else a move, a take or a drop."""
    if task == 1 or len(world.place) < 2:
        world.move(rng)
        return
    roll = rng.random()
    if roll < 0.5 or not (world.take(rng) if roll < 0.8 else world.drop(rng)):
        world.move(rng)


def _story_questions(task, rng):
    """The questions of one story, each with the story up to that point."""
    world, examples = _World(), []
    low, high = SENTENCES_BETWEEN[task]
    while len(examples) < QUESTIONS_PER_STORY:
        for _ in range(rng.integers(low, high + 1)):
            _write_sentence(world, task, rng)
        asked = world.where_is_person(rng) if task == 1 else world.where_is_object(rng)
        if asked is not None:
            examples.append(BabiExample(tuple(world.sentences), *asked))
    return examples


def babi_questions(num_questions: int, task: int = 1, seed=0) -> list:
    """Write bAbI-style stories and questions, seeded.

    Parameters
    ----------
    num_questions : int
        How many questions to return (at least 1). Stories hold five questions each, so
        consecutive questions share the beginning of their story, as in bAbI.
    task : {1, 2}
        1: single supporting fact (where is a person?); 2: two supporting facts (where is an
        object, which a person took or dropped?). See :data:`BABI_TASKS`.
    seed : None, int or numpy.random.Generator
        The same seed gives the same questions.

    Returns
    -------
    list of BabiExample
        Task 1 stories hold at most 10 sentences (6 on average); task 2 stories are longer
        (13 on average, rarely over 30).

    Raises
    ------
    TypeError
        If ``num_questions`` is not an integer, or ``seed`` is not a seed.
    ValueError
        If ``num_questions`` is below 1 or ``task`` is not 1 or 2.

    Examples
    --------
    >>> example = babi_questions(1, task=1, seed=0)[0]
    >>> example.story, example.question, example.answer, example.supporting
    (('Daniel went back to the hallway.', 'John moved to the bedroom.'), 'Where is Daniel?', 'hallway', (0,))
    """
    num_questions = check_number(num_questions, "num_questions", low=1, integer=True)
    check_choice(task, "task", tuple(BABI_TASKS))
    rng = random_generator(seed)
    examples = []
    while len(examples) < num_questions:
        examples.extend(_story_questions(task, rng))
    return examples[:num_questions]
