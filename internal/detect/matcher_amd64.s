//go:build amd64 && !purego

#include "textflag.h"

// teddyScan is the first stage of the matcher (see teddy in
// matcher_teddy.go, and teddyScanGo there, which it must equal word for
// word). It is written for teddyWidth = 4: fingerprint bytes t = 0..3,
// whose low- and high-nibble tables stay in Y8..Y15 (Y8, Y9 for t = 0, and
// so on). Y7 holds 0x0f in every byte and Y6 zero. SI is data, CX the
// offset of the block, BX the words written to out, DI out, R8 its length.
// Every vector instruction is VEX-encoded: a legacy SSE one (MOVQ to an X
// register) after the YMM loads cost 120 ns a call on the test machine.

// LOOKUP loads the 32 bytes at SI+CX+off into A and leaves in A and B the
// buckets that the low-nibble table LO and the high-nibble table HI allow
// for each of them.
#define LOOKUP(off, LO, HI, A, B) \
	VMOVDQU off(SI)(CX*1), A \
	VPSRLW  $4, A, B         \
	VPAND   Y7, A, A         \
	VPAND   Y7, B, B         \
	VPSHUFB A, LO, A         \
	VPSHUFB B, HI, B

// FIRST looks up byte 0 of the fingerprints for the 32 positions from
// SI+CX+off into ACC: for each position, the buckets whose tables allow
// both nibbles of the byte there. A and B are scratch.
#define FIRST(off, A, B, ACC) \
	LOOKUP(off, Y8, Y9, A, B) \
	VPAND A, B, ACC

// NEXT does the same for a later byte, whose tables are LO and HI, and
// its off t places further: it keeps in ACC the buckets allowed by both.
#define NEXT(off, LO, HI, A, B, ACC) \
	LOOKUP(off, LO, HI, A, B) \
	VPAND A, B, A             \
	VPAND A, ACC, ACC

// func teddyScan(masks *[8][32]byte, data []byte, out []uint64) (n, next int)
TEXT ·teddyScan(SB), NOSPLIT, $0-72
	MOVQ masks+0(FP), AX
	MOVQ data_base+8(FP), SI
	MOVQ data_len+16(FP), DX
	MOVQ out_base+32(FP), DI
	MOVQ out_len+40(FP), R8
	XORQ CX, CX
	XORQ BX, BX
	ANDQ $-2, R8 // whole pairs of words only
	JZ   ret

	VMOVDQU      0(AX), Y8
	VMOVDQU      32(AX), Y9
	VMOVDQU      64(AX), Y10
	VMOVDQU      96(AX), Y11
	VMOVDQU      128(AX), Y12
	VMOVDQU      160(AX), Y13
	VMOVDQU      192(AX), Y14
	VMOVDQU      224(AX), Y15
	MOVQ         $0x0f0f0f0f0f0f0f0f, AX
	VMOVQ        AX, X7
	VPBROADCASTQ X7, Y7
	VPXOR        Y6, Y6, Y6

	// Blocks of 64 positions while CX+64+3 <= len(data): the last load
	// ends there.
	SUBQ $67, DX
	CMPQ CX, DX
	JGT  last32

loop64:
	FIRST(0, Y0, Y1, Y4)
	FIRST(32, Y2, Y3, Y5)
	NEXT(1, Y10, Y11, Y0, Y1, Y4)
	NEXT(33, Y10, Y11, Y2, Y3, Y5)
	NEXT(2, Y12, Y13, Y0, Y1, Y4)
	NEXT(34, Y12, Y13, Y2, Y3, Y5)
	NEXT(3, Y14, Y15, Y0, Y1, Y4)
	NEXT(35, Y14, Y15, Y2, Y3, Y5)

	// The mask has bit j for a nonzero byte j of Y4:Y5. The block and
	// its mask are always stored, but kept (BX advanced) only if the mask
	// is not zero: a branch there would be mispredicted on every block
	// that passes, a quarter of them on source code.
	VPCMPEQB  Y6, Y4, Y4
	VPCMPEQB  Y6, Y5, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, R9
	SHLQ      $32, R9
	ORQ       R9, AX
	NOTQ      AX
	MOVQ      CX, (DI)(BX*8)
	MOVQ      AX, 8(DI)(BX*8)
	XORL      R10, R10
	TESTQ     AX, AX
	SETNE     R10B
	LEAQ      (BX)(R10*2), BX
	ADDQ      $64, CX
	CMPQ      BX, R8
	JGE       ret
	CMPQ      CX, DX
	JLE       loop64

last32:
	// One block of 32 if CX+32+3 <= len(data).
	ADDQ $32, DX
	CMPQ CX, DX
	JGT  ret
	FIRST(0, Y0, Y1, Y4)
	NEXT(1, Y10, Y11, Y0, Y1, Y4)
	NEXT(2, Y12, Y13, Y0, Y1, Y4)
	NEXT(3, Y14, Y15, Y0, Y1, Y4)
	VPCMPEQB  Y6, Y4, Y4
	VPMOVMSKB Y4, AX
	NOTL      AX
	MOVQ      CX, (DI)(BX*8)
	MOVQ      AX, 8(DI)(BX*8)
	ADDQ      $32, CX
	TESTL     AX, AX
	JZ        ret
	ADDQ      $2, BX

ret:
	VZEROUPPER
	MOVQ BX, n+56(FP)
	MOVQ CX, next+64(FP)
	RET
