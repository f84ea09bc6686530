"""Conduct rules from the seeds, on the agent's side of the call.

- opening phrase in the agent's first turn (000/001/004 首问语);
- "还有其他问题吗"-type check and a closing phrase before the call ends (000 结束语, 003);
- hold etiquette: ask before holding, thank after, a progress update every 15 s, 30 s limit (001);
- speaking rate within 180–200 字/分 when timings are known (000);
- 喂 as an address and filler particles/口头禅 (000 行为禁忌);
- interrupting the customer when timings overlap (000, 003 不随意打断客户).

Numbers and phrase lists come from ``conduct.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from assist_app.analysis.matcher import Match, PatternSet
from assist_app.events import (
    AcousticFeatures,
    ConductRule,
    Flag,
    FlagKind,
    Severity,
    Speaker,
    Utterance,
    chars_per_minute,
)
from assist_app.library.model import ConductConfig
from assist_app.textnorm import NormText


@dataclass(frozen=True, slots=True)
class Reminder:
    """A timer-driven conduct finding (not tied to an utterance)."""

    rule: ConductRule
    severity: Severity
    message: str
    value: float | None = None


#: A hold reminder waits while anyone spoke this recently (the update may be under way).
SPEAKING_GRACE_S = 1.5


def _flag(rule: ConductRule, severity: Severity, span: tuple[int, int], text: str, message: str,
          replacement: str) -> Flag:
    return Flag(
        rule=rule,
        kind=FlagKind.CONDUCT,
        severity=severity,
        span=span,
        matched=text[span[0] : span[1]],
        message=message,
        replacement=replacement,
    )


ConductScan = dict[str, list[Match[str]]]


class ConductPatterns:
    """The phrase lists of ``conduct.yaml`` compiled into one pattern set, built once per library.

    One ``scan`` per utterance finds every kind at once (opening, closing check, farewell, 喂,
    fillers, hold ask/thanks/progress); the rules then only look the kinds up.
    """

    KINDS = (
        "opening",
        "check",
        "farewell",
        "address",
        "address_unless",
        "filler",
        "hold_ask",
        "hold_thanks",
        "hold_progress",
    )

    def __init__(self, cfg: ConductConfig) -> None:
        self.cfg = cfg
        lists = {
            "opening": cfg.opening_patterns,
            "check": cfg.closing_check_patterns,
            "farewell": cfg.farewell_patterns,
            "address": cfg.address_patterns,
            "address_unless": cfg.address_unless,
            "filler": cfg.filler_patterns,
            "hold_ask": cfg.hold.ask_patterns,
            "hold_thanks": cfg.hold.thanks_patterns,
            "hold_progress": cfg.hold.progress_patterns,
        }
        self._all: PatternSet[str] = PatternSet((p, kind) for kind, pats in lists.items() for p in pats)

    def scan(self, norm: NormText) -> ConductScan:
        found: ConductScan = {kind: [] for kind in self.KINDS}
        for m in self._all.find(norm):
            found[m.payload].append(m)
        return found

    @staticmethod
    def holds(scan: ConductScan) -> bool:
        """The agent asks the customer to hold or gives a progress update during one."""
        return bool(scan["hold_ask"] or scan["hold_progress"])


class ConductMonitor:
    """Tracks one call's conduct; feed every final utterance in order, then ``finish``."""

    def __init__(self, patterns: ConductPatterns, opening_example: str = "", closing_example: str = "") -> None:
        self.cfg = patterns.cfg
        self._patterns = patterns
        self._opening_example = opening_example or "您好，很高兴为您服务，请问有什么可以帮您？"
        self._closing_example = closing_example or "请问还有其他可以帮您的吗？感谢您的来电，再见！"
        self.agent_turns = 0
        self.closing_check_seen = False
        self.farewell_seen = False
        self.interruptions = 0
        self.rate_samples: list[float] = []
        self.holds: list[tuple[float, float]] = []  # (start, duration)
        self._hold_start: float | None = None
        self._hold_reminded: set[int] = set()
        self._last_agent_end: float | None = None
        self._last_customer: Utterance | None = None
        self._customer_since_agent = False
        self._last_voice: float | None = None
        self._silence_reminded = 0

    # -- per utterance -----------------------------------------------------------------------

    def on_utterance(
        self,
        utt: Utterance,
        norm: NormText,
        acoustic: AcousticFeatures | None = None,
        scan: ConductScan | None = None,
    ) -> list[Flag]:
        if utt.speaker is Speaker.CUSTOMER:
            self._last_customer = utt
            self._customer_since_agent = True
            end = utt.end if utt.end is not None else utt.start
            if self._hold_start is not None and end is not None and end > self._hold_start:
                self._hold_start = end  # the customer is still talking: the wait starts after them
                self._hold_reminded.clear()
            self.on_voice(end)
            return []
        text = utt.text
        self.agent_turns += 1
        found = scan if scan is not None else self._patterns.scan(norm)
        flags = self._wording(text, norm, found)
        flags += self._speaking_rate(utt, norm, acoustic)
        if self._interrupts(utt, acoustic):
            self.interruptions += 1
            flags.append(_flag(ConductRule.INTERRUPT, Severity.MEDIUM, (0, 0), text, "打断客户说话",
                               "请等客户说完再回应"))
        flags.extend(self._hold_on_agent(utt, found, text))
        if found["check"]:
            self.closing_check_seen = True
        if found["farewell"]:
            self.farewell_seen = True
        self._last_agent_end = utt.end if utt.end is not None else utt.start
        self._customer_since_agent = False
        self.on_voice(self._last_agent_end)
        return flags

    def _wording(self, text: str, norm: NormText, found: ConductScan) -> list[Flag]:
        """Opening greeting, 喂 as an address, too many fillers."""
        flags: list[Flag] = []
        if self.agent_turns <= self.cfg.opening_within_turns and self.agent_turns == 1 and not found["opening"]:
            flags.append(_flag(ConductRule.OPENING_MISSING, Severity.MEDIUM, (0, 0), text, "开场未使用标准问候语",
                               self._opening_example))
        for m in found["address"]:
            if any(u.start <= m.start < u.end for u in found["address_unless"]):
                continue
            flags.append(_flag(ConductRule.ADDRESS_WEI, Severity.MEDIUM, norm.span_to_original(m.start, m.end), text,
                               "用“喂”称呼客户", "您好，请问您能听到我说话吗？"))
            break
        fillers = found["filler"]
        if len(fillers) > self.cfg.filler_max_per_utterance:
            m = fillers[self.cfg.filler_max_per_utterance]
            flags.append(_flag(ConductRule.FILLER, Severity.LOW, norm.span_to_original(m.start, m.end), text,
                               "口头禅或语气词过多", "去掉语气词，语句简洁完整"))
        return flags

    def _speaking_rate(self, utt: Utterance, norm: NormText, acoustic: AcousticFeatures | None) -> list[Flag]:
        rate = self._rate(utt, norm, acoustic)
        if rate is None:
            return []
        self.rate_samples.append(rate)
        whole = (0, len(utt.text))
        if rate > self.cfg.speaking_rate.max_cpm:
            return [_flag(ConductRule.RATE_FAST, Severity.LOW, whole, utt.text, f"语速偏快（{rate:.0f}字/分）",
                          "放慢语速，每分钟180–200字")]
        if rate < self.cfg.speaking_rate.min_cpm:
            return [_flag(ConductRule.RATE_SLOW, Severity.LOW, whole, utt.text, f"语速偏慢（{rate:.0f}字/分）",
                          "保持每分钟180–200字的语速")]
        return []

    def _rate(self, utt: Utterance, norm: NormText, acoustic: AcousticFeatures | None) -> float | None:
        if acoustic is not None and acoustic.rate_cpm is not None:
            return acoustic.rate_cpm if len(norm.text) >= self.cfg.speaking_rate.min_chars else None
        if len(norm.text) < self.cfg.speaking_rate.min_chars:
            return None
        return chars_per_minute(len(norm.text), utt.start, utt.end)

    def _interrupts(self, utt: Utterance, acoustic: AcousticFeatures | None) -> bool:
        min_overlap = self.cfg.interruption_min_overlap_s
        if acoustic is not None and acoustic.overlap_s is not None:
            return acoustic.overlap_s >= min_overlap
        cust = self._last_customer
        if cust is None or utt.start is None or cust.start is None or cust.end is None:
            return False
        return cust.start < utt.start and cust.end - utt.start >= min_overlap

    def _hold_on_agent(self, utt: Utterance, found: ConductScan, text: str) -> list[Flag]:
        flags: list[Flag] = []
        start = utt.start
        hold = self.cfg.hold
        if self._hold_start is not None and start is not None:
            waited = start - self._hold_start
            if found["hold_progress"] and not found["hold_thanks"]:
                self._hold_start = start if utt.end is None else utt.end  # an update restarts the wait
                self._hold_reminded.clear()
                return flags
            self.holds.append((self._hold_start, waited))
            if waited > hold.limit_s:
                flags.append(
                    _flag(
                        ConductRule.HOLD_TOO_LONG,
                        Severity.MEDIUM,
                        (0, 0),
                        text,
                        f"让客户等待{waited:.0f}秒，超过{hold.limit_s:.0f}秒",
                        "请您稍等，我还在为您查询，大约还需要一分钟，您看可以吗？",
                    )
                )
            if waited >= hold.update_every_s and not found["hold_thanks"]:
                flags.append(_flag(ConductRule.HOLD_NO_THANKS, Severity.LOW, (0, 0), text, "等待后未致谢",
                                   "感谢您的耐心等待。"))
            self._hold_start = None
            self._hold_reminded.clear()
        elif (
            start is not None
            and self._last_agent_end is not None
            and not self._customer_since_agent
            and start - self._last_agent_end >= hold.update_every_s
        ):
            # The line went quiet on the agent's side with no hold asked for.
            flags.append(
                _flag(
                    ConductRule.HOLD_WITHOUT_ASK,
                    Severity.MEDIUM,
                    (0, 0),
                    text,
                    f"未征得同意让客户等待了{start - self._last_agent_end:.0f}秒",
                    "请您稍等，我帮您查询一下，您看可以吗？",
                )
            )
        if found["hold_ask"]:
            self._hold_start = utt.end if utt.end is not None else utt.start
            self._hold_reminded.clear()
        return flags

    # -- timers and end of call --------------------------------------------------------------

    @property
    def on_hold_since(self) -> float | None:
        return self._hold_start

    def on_voice(self, t: float | None) -> None:
        """Someone spoke at call-audio time ``t`` (a voiced audio block or an utterance)."""
        if t is not None and (self._last_voice is None or t > self._last_voice):
            self._last_voice = t
            self._silence_reminded = 0

    def tick(self, t: float) -> list[Reminder]:
        """Timer reminders due at call-audio time ``t``.

        During a hold: a progress update every 15 s and the 30 s limit (seed 001). Otherwise, a
        line silent on both sides for 30 s and 60 s (the hold limits of 001 and 003) with no hold
        asked for: the customer is waiting without having been told.
        """
        if self._hold_start is None:
            return self._silence(t)
        if self._last_voice is not None and t - self._last_voice < SPEAKING_GRACE_S:
            return []  # someone is talking (often the agent giving the update): don't interrupt
        waited = t - self._hold_start
        hold = self.cfg.hold
        out: list[Reminder] = []
        step = int(waited // hold.update_every_s)
        if step >= 1 and step not in self._hold_reminded:
            self._hold_reminded.add(step)
            if waited >= hold.limit_s:
                out.append(
                    Reminder(ConductRule.HOLD_LIMIT, Severity.HIGH, f"客户已等待{waited:.0f}秒，请回到通话", waited)
                )
            else:
                out.append(
                    Reminder(
                        ConductRule.HOLD_UPDATE_DUE, Severity.MEDIUM, f"客户已等待{waited:.0f}秒，请告知查询进度",
                        waited
                    )
                )
        return out

    def _silence(self, t: float) -> list[Reminder]:
        if self._last_voice is None:
            return []
        limits = (self.cfg.hold.limit_s, 2 * self.cfg.hold.limit_s)
        quiet = t - self._last_voice
        if self._silence_reminded >= len(limits) or quiet < limits[self._silence_reminded]:
            return []
        limit = limits[self._silence_reminded]
        self._silence_reminded += 1
        return [
            Reminder(
                ConductRule.SILENCE,
                Severity.LOW if self._silence_reminded == 1 else Severity.MEDIUM,
                f"通话已静音{limit:.0f}秒：如在查询，请告知客户进度",
                round(quiet, 1),
            )
        ]

    def finish(self) -> list[Reminder]:
        """End-of-call checks: closing question and farewell (000 结束语; 003 确认无其他需求)."""
        if self.agent_turns < 2:
            return []
        out = []
        if not self.closing_check_seen:
            out.append(Reminder(ConductRule.CLOSING_CHECK_MISSING, Severity.MEDIUM, "结束前未询问客户是否还有其他需要"))
        if not self.farewell_seen:
            out.append(Reminder(ConductRule.FAREWELL_MISSING, Severity.MEDIUM, "未使用结束语（感谢来电、再见）"))
        return out

    @property
    def closing_example(self) -> str:
        return self._closing_example
