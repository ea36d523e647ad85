"""DNS answers as the pure checks see them, and the questions they still need (pure, no I/O).

The checks never query DNS. They read answers from a mapping and, when an answer they need is
not there yet, note the question and carry on with what they have. The shell (providers/adapters/verifier.py)
asks every noted question at once and runs the checks again, until nothing is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

MAX_CNAME_HOPS = 8  # more aliases in a row than any sane zone uses; also stops loops

Question = tuple[str, str]  # (name, type): name lower-case without the trailing dot, type upper-case


def question(name: str, rtype: str) -> Question:
    return canonical(name), rtype.upper()


def canonical(name: str) -> str:
    return name.strip().lower().rstrip(".")


@dataclass(frozen=True)
class Answer:
    """What the servers said at one (name, type)."""

    values: tuple[str, ...] = ()  # TXT strings joined; MX as "preference exchange."; A/AAAA addresses
    error: str | None = None  # the lookup failed (timeout, SERVFAIL, servers disagree...)
    cname: str | None = None  # the name is an alias of this name (values then empty)
    # The error names servers that lag behind the current answer (the primary's), whose values these are.
    lagging: bool = False


@dataclass(frozen=True)
class Resolved:
    """An answer after following CNAMEs: the values at the last name of the chain."""

    name: str  # where the values were found
    values: tuple[str, ...] = ()
    error: str | None = None
    aliases: tuple[str, ...] = ()  # the names that were aliases, in order (empty: no CNAME)
    lagging: bool = False  # as Answer.lagging: `values` are what the primary serves

    @property
    def void(self) -> bool:
        """No records and no error: NXDOMAIN or an empty NOERROR (RFC 7208 4.6.4 'void lookup')."""
        return not self.values and self.error is None

    def via(self) -> str:
        """' (via CNAME to x)' when aliases were followed, else ''."""
        return f" (via CNAME to {self.name})" if self.aliases else ""


@dataclass
class Lookups:
    """Answers so far; `needs` collects the questions asked but not answered yet.

    With `final=True` a missing answer is an error ("not asked") instead of a need: the verdict
    is then complete, whatever is missing.
    """

    answers: Mapping[Question, Answer]
    final: bool = False
    needs: set[Question] = field(default_factory=set)

    def get(self, name: str, rtype: str) -> Answer | None:
        key = question(name, rtype)
        found = self.answers.get(key)
        if found is None:
            if self.final:
                return Answer(error="no answer")
            self.needs.add(key)
        return found

    def resolve(self, name: str, rtype: str) -> Resolved | None:
        """The answer at `name`, following CNAMEs; None while an answer on the way is missing."""
        current = canonical(name)
        aliases: list[str] = []
        for _ in range(MAX_CNAME_HOPS + 1):
            answer = self.get(current, rtype)
            if answer is None:
                return None
            if answer.error is not None:
                values = answer.values if answer.lagging else ()
                return Resolved(current, values, answer.error, tuple(aliases), answer.lagging)
            if answer.cname is None or answer.values:
                return Resolved(current, answer.values, aliases=tuple(aliases))
            aliases.append(current)
            current = canonical(answer.cname)
            if current in aliases:
                chain = " -> ".join([*aliases, current])
                return Resolved(current, error=f"CNAME loop {chain}", aliases=tuple(aliases))
        return Resolved(current, error=f"more than {MAX_CNAME_HOPS} CNAMEs in a row from {name}")


def under(name: str, domain: str) -> bool:
    """True when `name` is `domain` or a name below it."""
    name, domain = canonical(name), canonical(domain)
    return name == domain or name.endswith("." + domain)


def unique(questions: Iterable[Question]) -> list[Question]:
    return list(dict.fromkeys(questions))
