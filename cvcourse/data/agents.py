"""Synthetic road agents for behaviour prediction: turns at junctions, stops and lane changes.

Each agent is a car on a straight road. Some approach a junction, where they go straight on,
turn left or right along a quarter circle, or stop at the stop line; the others keep their
lane, change lane to the left or right, or brake to a stop behind traffic. Cars slow down
before a turn, as drivers do, so the past says a little, but not everything, about the future:
the same past can continue in several ways, which is what makes the future *multimodal*.

Every trajectory is given in the agent's own frame at the present moment: the car stands at
the origin and heads along +x (metres; +y is to its left), as prediction models use them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validate import check_number, random_generator

__all__ = ["AGENT_BEHAVIOURS", "AGENT_TIME_STEP", "Agents", "synthetic_agents"]

#: What each agent does, by the index in :attr:`Agents.behaviour`.
AGENT_BEHAVIOURS = ("keep lane", "change lane left", "change lane right", "stop", "straight on at junction",
                    "turn left", "turn right")
#: Seconds between two positions of a trajectory.
AGENT_TIME_STEP = 0.25
LANE_WIDTH = 3.5
#: Distance ahead (m) reported for an agent with no junction in sight.
NO_JUNCTION = 60.0


@dataclass
class Agents:
    """Past and future positions of synthetic road agents, in each agent's frame.

    Attributes
    ----------
    past : numpy.ndarray of float64, shape (N, P, 2)
        Observed positions, oldest first; the last one is the present, the origin (with a
        little measurement noise on the earlier ones).
    future : numpy.ndarray of float64, shape (N, T, 2)
        The positions the agent will reach, one every :data:`AGENT_TIME_STEP` seconds.
    junction : numpy.ndarray of float64, shape (N,)
        Distance (m) along the road to the next junction's stop line, :data:`NO_JUNCTION` if
        there is none in sight: what a map tells the predictor.
    behaviour : numpy.ndarray of int64, shape (N,)
        Index into :data:`AGENT_BEHAVIOURS`; not an input to any model, only for the reader.
    """

    past: np.ndarray
    future: np.ndarray
    junction: np.ndarray
    behaviour: np.ndarray

    def __len__(self) -> int:
        return len(self.past)

    def features(self) -> np.ndarray:
        """The model's input per agent: the past positions (flattened) and the junction distance,
        scaled to about unit size; float32 of shape (N, 2P + 1)."""
        flat = self.past.reshape(len(self.past), -1) / 10.0
        return np.concatenate([flat, self.junction[:, None] / NO_JUNCTION], axis=1).astype(np.float32)


def _smoothstep(u):
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def _speeds(behaviour, junction_distance, start_speed, times, present, rng):
    """Speed (m/s) of every agent at every time: cruising, slowing for a turn, braking to a stop."""
    n = len(behaviour)
    speed = np.repeat(start_speed[:, None], len(times), axis=1)
    speed += rng.uniform(-0.4, 0.4, n)[:, None] * times[None, :]  # gentle acceleration or easing off
    turning = (behaviour == 5) | (behaviour == 6)
    # a turning car brakes to 4-6 m/s over the 2.5 s before the junction
    turn_speed = rng.uniform(4.0, 6.0, n)
    arrive = present + junction_distance / np.maximum(start_speed, 1.0)
    slow = _smoothstep((times[None, :] - (arrive[:, None] - 2.5)) / 2.5)
    speed = np.where(turning[:, None], speed + (np.minimum(turn_speed[:, None], speed) - speed) * slow, speed)
    # a stopping car brakes at a constant 2-4 m/s^2, starting between 1 s ago and 2 s from now;
    # at a junction it starts now, just hard enough to stop at the line
    stopping = behaviour == 3
    braking = rng.uniform(2.0, 4.0, n)
    start = present + rng.uniform(-1.0, 2.0, n)
    at_line = stopping & (junction_distance < NO_JUNCTION)
    now = speed[np.arange(n), np.searchsorted(times, present)]
    braking = np.where(at_line, now ** 2 / (2 * junction_distance), braking)
    start = np.where(at_line, present, start)
    initial = np.where(at_line, now, start_speed)
    stop_speed = np.maximum(initial[:, None] - braking[:, None] * np.maximum(times[None, :] - start[:, None], 0), 0)
    return np.where(stopping[:, None], stop_speed, np.maximum(speed, 0.5))


def synthetic_agents(num_agents: int = 1000, past_steps: int = 8, future_steps: int = 20, seed=0) -> Agents:
    """Generate road agents with known futures (chapter 22).

    Half the agents approach a junction 2-25 m ahead: 40% go straight on, 25% turn left and
    25% right (a quarter circle of radius 8-14 m), 10% stop at the stop line. The other half
    drive on an open road: 50% keep their lane, 20% change lane to each side (3.5 m over
    25-40 m of road) and 10% brake to a stop. Speeds start at 7-14 m/s.

    Parameters
    ----------
    num_agents : int
        Number of agents (>= 1).
    past_steps : int
        Observed positions per agent, the present included (>= 2).
    future_steps : int
        Positions to predict (>= 1), :data:`AGENT_TIME_STEP` seconds apart.
    seed : None, int or numpy.random.Generator

    Returns
    -------
    Agents

    Examples
    --------
    >>> agents = synthetic_agents(5, seed=0)
    >>> agents.past.shape, agents.future.shape, agents.past[:, -1].tolist() == [[0.0, 0.0]] * 5
    ((5, 8, 2), (5, 20, 2), True)
    """
    num_agents = check_number(num_agents, "num_agents", low=1, integer=True)
    past_steps = check_number(past_steps, "past_steps", low=2, integer=True)
    future_steps = check_number(future_steps, "future_steps", low=1, integer=True)
    rng = random_generator(seed)
    n = num_agents
    at_junction = rng.random(n) < 0.5
    behaviour = np.where(at_junction, rng.choice([4, 5, 6, 3], n, p=[0.4, 0.25, 0.25, 0.1]),
                         rng.choice([0, 1, 2, 3], n, p=[0.5, 0.2, 0.2, 0.1]))
    junction = np.where(at_junction, rng.uniform(2.0, 25.0, n), NO_JUNCTION)
    steps = past_steps + future_steps
    times = np.arange(steps) * AGENT_TIME_STEP
    present = times[past_steps - 1]
    speed = _speeds(behaviour, junction, rng.uniform(7.0, 14.0, n), times, present, rng)
    travelled = np.concatenate([np.zeros((n, 1)), np.cumsum((speed[:, :-1] + speed[:, 1:]) / 2 * AGENT_TIME_STEP, axis=1)], axis=1)
    now = travelled[:, past_steps - 1]
    arc = travelled - now[:, None]  # distance along the road from the present position
    # lane change: lateral offset along the road, starting 10 m behind to 30 m ahead
    side = np.where(behaviour == 1, 1.0, np.where(behaviour == 2, -1.0, 0.0))
    change_start, change_length = rng.uniform(-10.0, 30.0, n), rng.uniform(25.0, 40.0, n)
    lateral = side[:, None] * LANE_WIDTH * _smoothstep((arc - change_start[:, None]) / change_length[:, None])
    x, y = arc.copy(), lateral
    # turns: a quarter circle from the junction's stop line, then straight on in the new direction
    turn = np.where(behaviour == 5, 1.0, np.where(behaviour == 6, -1.0, 0.0))
    radius = rng.uniform(8.0, 14.0, n)
    beyond = arc - junction[:, None]
    angle = np.clip(beyond / radius[:, None], 0.0, np.pi / 2)
    on_arc = turn[:, None] != 0
    after = np.maximum(beyond - radius[:, None] * np.pi / 2, 0.0)
    turned_x = junction[:, None] + radius[:, None] * np.sin(angle)
    turned_y = turn[:, None] * (radius[:, None] * (1 - np.cos(angle)) + after)
    x = np.where(on_arc & (beyond > 0), turned_x, x)
    y = np.where(on_arc & (beyond > 0), turned_y, y)
    positions = np.stack([x, y], axis=2)
    # into the agent's frame: heading at the present from the road direction (lane changes tilt it)
    ahead = positions[:, past_steps - 1] - positions[:, past_steps - 2]
    heading = np.arctan2(ahead[:, 1], ahead[:, 0])
    cos, sin = np.cos(heading), np.sin(heading)
    rotation = np.stack([np.stack([cos, sin], 1), np.stack([-sin, cos], 1)], 1)  # world to agent
    relative = positions - positions[:, past_steps - 1][:, None]
    local = np.einsum("nij,ntj->nti", rotation, relative)
    # the road's frame moves with the heading too: the junction distance stays along the road
    past = local[:, :past_steps].copy()
    past[:, :-1] += rng.normal(0.0, 0.05, (n, past_steps - 1, 2))  # tracker noise on the history
    return Agents(past=past, future=local[:, past_steps:].copy(), junction=junction,
                  behaviour=behaviour.astype(np.int64))
