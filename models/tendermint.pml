/*
 * One height of Tendermint consensus (Buchman, Kwon, Milosevic, "The latest gossip on BFT
 * consensus", 2018, Algorithm 1), reduced to what safety depends on: the voting, locking and
 * decision rules. Checked property: agreement — no two honest validators decide different
 * values (the assert in checkAgreement). models/README.md says which abstractions are used and
 * why they keep every behaviour of the real protocol (so "no violation" here is meaningful).
 *
 * Configuration (spin -D...):
 *   N         validators                          (default 4)
 *   Q         votes that make a quorum            (default 3, i.e. 2f+1)
 *   F         Byzantine validators                (default 1)
 *   CRASH     honest validators that may crash    (default 0)
 *   MAXROUND  rounds explored: 0 .. MAXROUND-1    (default 2)
 *   MUTANT_NO_LOCK    drop the lock test of line 23 (a broken protocol: the check must fail)
 *   MUTANT_TRUST_VR   accept a proposal's validRound without its polka (line 28; must fail)
 */

#ifndef N
#define N 4
#endif
#ifndef Q
#define Q 3
#endif
#ifndef F
#define F 1
#endif
#ifndef CRASH
#define CRASH 0
#endif
#ifndef MAXROUND
#define MAXROUND 2
#endif

#define HONEST (N - F)          /* honest ids are 0 .. HONEST-1, Byzantine ids HONEST .. N-1 */
#define NIL 2                   /* vote for no value; values are 0 and 1 */
#define NONE (-1)               /* no round / no decision */

/* Round-robin proposer, started at the last honest id so that, with F >= 1, round 0 has an
 * honest proposer and round 1 a Byzantine one: two rounds already exercise both kinds. */
#define PROPOSER(r)      (((r) + HONEST - 1) % N)
#define BYZ_PROPOSER(r)  (PROPOSER(r) >= HONEST)

#define STEP_PROPOSE   0
#define STEP_PREVOTE   1
#define STEP_PRECOMMIT 2

/* Votes sent, counted per (round, value) without the sender: an honest validator sends at most
 * one prevote and one precommit per round, so counts are distinct senders. */
byte prevotes[MAXROUND * 3];
byte precommits[MAXROUND * 3];

/* The proposal an honest proposer broadcast in each round (a Byzantine one has none: each
 * receiver may be sent any value with any validRound). */
bool proposalSent[MAXROUND];
byte proposalValue[MAXROUND];
short proposalValidRound[MAXROUND];


/* Every Byzantine validator may send every receiver a vote for any value in any round, so for
 * any one value a receiver may count F more votes than honest validators sent. */
#define PREVOTES(r, v)    (prevotes[(r) * 3 + (v)] + F)
#define PRECOMMITS(r, v)  (precommits[(r) * 3 + (v)] + F)
#define PREVOTES_ANY(r)   (prevotes[(r) * 3] + prevotes[(r) * 3 + 1] + prevotes[(r) * 3 + 2] + F)

/* A receiver holds PROPOSAL(r, v, *): any v from a Byzantine proposer, else the one broadcast. */
#define HAS_PROPOSAL(r, v) \
  (BYZ_PROPOSER(r) || (proposalSent[r] && proposalValue[r] == (v)))

/* Lines 49-54: an honest validator decides v once it holds PROPOSAL(r, v, *) and a quorum of
 * PRECOMMIT(r, v) for some round r. Every honest validator may be the one those messages reach
 * first, and the condition never becomes false again, so two honest validators can decide
 * differently exactly when both values are decidable in one state. Checked after every step
 * that can make a value decidable (a precommit, a proposal). */
inline checkAgreement() {
  r = 0;
  do
  :: r < MAXROUND ->
     decidable0 = decidable0 || (PRECOMMITS(r, 0) >= Q && HAS_PROPOSAL(r, 0));
     decidable1 = decidable1 || (PRECOMMITS(r, 1) >= Q && HAS_PROPOSAL(r, 1));
     r++
  :: else -> break
  od;
  if
  :: decidable0 && decidable1 ->
     printf("MSC: both 0 and 1 have a proposal and a quorum of precommits (F=%d Byzantine votes count for both)\n", F)
  :: else -> skip
  fi;
  assert(!(decidable0 && decidable1));
  r = 0;
  decidable0 = false;
  decidable1 = false
}

/* Lines 11-21, StartRound. The proposer's getValue() is any value. keepValid: validValue and
 * validRound are read only by a later proposal of this validator's, so they are kept only while
 * it has one to make (fewer states, same behaviour). */
inline startRound(rr) {
  round = rr;
  step = STEP_PROPOSE;
  if
  :: PROPOSER(round) == id ->
     proposalSent[round] = true;
     if
     :: validRound != NONE ->
        proposalValue[round] = validValue;
        proposalValidRound[round] = validRound
     :: else ->
        if
        :: proposalValue[round] = 0
        :: proposalValue[round] = 1
        fi;
        proposalValidRound[round] = NONE
     fi;
     printf("MSC: validator %d round %d proposes %d (validRound %d)\n", id, round,
            proposalValue[round], proposalValidRound[round]);
     checkAgreement()
  :: else -> skip
  fi;
  keepValid = false;
  r = round + 1;
  do
  :: r < MAXROUND && PROPOSER(r) == id -> keepValid = true; break
  :: r < MAXROUND && PROPOSER(r) != id -> r++
  :: else -> break
  od;
  r = 0;
  if
  :: !keepValid -> validValue = NIL; validRound = NONE
  :: else -> skip
  fi
}

inline prevote(value) {
  if
  :: value == NIL -> printf("MSC: validator %d round %d prevote nil\n", id, round)
  :: else -> printf("MSC: validator %d round %d prevote %d\n", id, round, value)
  fi;
  prevotes[round * 3 + value]++;
  step = STEP_PREVOTE
}

inline precommit(value) {
  if
  :: value == NIL -> printf("MSC: validator %d round %d precommit nil\n", id, round)
  :: else -> printf("MSC: validator %d round %d precommit %d\n", id, round, value)
  fi;
  precommits[round * 3 + value]++;
  step = STEP_PRECOMMIT;
  checkAgreement()
}

/* Lines 22-33: prevote for a proposal (v, vr) as the paper decides, or nil. */
inline prevoteProposal(v, vr) {
  if
  :: vr == NONE ->                                           /* line 22 */
#ifdef MUTANT_NO_LOCK
     prevote(v)
#else
     if
     :: lockedRound == NONE || lockedValue == v -> prevote(v)    /* line 23 */
     :: else -> prevote(NIL)
     fi
#endif
#ifdef MUTANT_TRUST_VR
  :: vr != NONE ->
#else
  :: vr != NONE && PREVOTES(vr, v) >= Q ->                   /* line 28: the polka for vr */
#endif
     if
     :: lockedRound <= vr || lockedValue == v -> prevote(v)  /* line 29 */
     :: else -> prevote(NIL)
     fi
  :: else -> skip                /* rule not enabled for this proposal: keep waiting */
  fi
}

/* Lines 36-43. "For the first time" is dropped: firing again for the same value changes
 * nothing, and a second value needs two polkas in one round, which only an unsafe
 * configuration allows (where allowing more only finds its violation sooner). In the last
 * round the lock is never read again, so it is not recorded (fewer states). */
inline lockOrValid(v) {
  if
  :: step == STEP_PREVOTE ->
     if
     :: round < MAXROUND - 1 -> lockedValue = v; lockedRound = round
     :: else -> skip
     fi;
     precommit(v)
  :: else -> skip
  fi;
  if
  :: keepValid -> validValue = v; validRound = round
  :: else -> skip
  fi
}

proctype Validator(byte id) {
  byte round;
  byte step;
  byte lockedValue = NIL;
  short lockedRound = NONE;
  byte validValue = NIL;
  short validRound = NONE;
  bool keepValid;
  /* scratch, always reset before a step ends so that states do not multiply */
  byte v;
  short vr;
  byte r;
  bool decidable0, decidable1;

  atomic { startRound(0) };
end:                             /* waiting here for votes that never come is a valid end */
  do
  /* Proposal from an honest proposer (lines 22-33). */
  :: atomic { step == STEP_PROPOSE && !BYZ_PROPOSER(round) && proposalSent[round] ->
       prevoteProposal(proposalValue[round], proposalValidRound[round]) }
  /* Proposal from a Byzantine proposer: any value, any validRound below the round. */
  :: atomic { step == STEP_PROPOSE && BYZ_PROPOSER(round) ->
       if
       :: v = 0
       :: v = 1
       fi;
       vr = NONE;
       do
       :: vr < round - 1 -> vr++
       :: break
       od;
       prevoteProposal(v, vr);
       v = 0;
       vr = 0 }
  /* Lines 57-60, OnTimeoutPropose: the timeout may expire at any moment. */
  :: atomic { step == STEP_PROPOSE -> prevote(NIL) }
  /* Lines 36-43. */
  :: atomic { step >= STEP_PREVOTE && PREVOTES(round, 0) >= Q && HAS_PROPOSAL(round, 0) ->
       lockOrValid(0) }
  :: atomic { step >= STEP_PREVOTE && PREVOTES(round, 1) >= Q && HAS_PROPOSAL(round, 1) ->
       lockOrValid(1) }
  /* Lines 34-35 with 61-64 (OnTimeoutPrevote), which include lines 44-46 (a nil quorum is a
   * quorum of any prevotes, and both precommit nil). */
  :: atomic { step == STEP_PREVOTE && PREVOTES_ANY(round) >= Q -> precommit(NIL) }
  /* Lines 47-48 with 65-67 (OnTimeoutPrecommit) and 55-56 (f+1 messages of a higher round):
   * the round may end at any moment. Jumping several rounds is advancing one at a time without
   * voting, so single steps cover it. */
  :: atomic { round < MAXROUND - 1 -> startRound(round + 1) }
  /* A crash: the validator stops for good. */
  :: id < CRASH -> break
  od
}

init {
  byte i = 0;
  atomic {
    do
    :: i < HONEST -> run Validator(i); i++
    :: else -> break
    od
  }
}
