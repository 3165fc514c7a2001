package table

import (
	"slices"
	"testing"
)

func TestWatermarkOf(t *testing.T) {
	const idle = 60_000
	tests := []struct {
		name   string
		inputs map[int32]Input
		n      int32
		want   Watermark
	}{{
		name: "none", n: 2,
		want: Watermark{HeldBy: -1, Missing: []int32{0, 1}},
	}, {
		name: "one input partition not reported holds everything",
		n:    2, inputs: map[int32]Input{0: {StreamMs: 500, RecordMs: 1000, IdleMs: idle, CaughtUp: true}},
		want: Watermark{HeldBy: -1, Missing: []int32{1}},
	}, {
		name: "the grace is known while a partition has not reported",
		n:    2, inputs: map[int32]Input{0: {StreamMs: 500, GraceMs: 30}},
		want: Watermark{HeldBy: -1, GraceMs: 30, Missing: []int32{1}},
	}, {
		name: "the lowest active partition",
		n:    3, inputs: map[int32]Input{
			0: {StreamMs: 500, RecordMs: 100_000, IdleMs: idle, GraceMs: 30},
			1: {StreamMs: 300, RecordMs: 100_000, IdleMs: idle, GraceMs: 10},
			2: {StreamMs: 900, RecordMs: 100_000, IdleMs: idle, GraceMs: 30},
		},
		want: Watermark{StreamMs: 300, GraceMs: 30, HeldBy: 1},
	}, {
		name: "caught up and quiet for longer than idle: left out",
		n:    2, inputs: map[int32]Input{
			0: {StreamMs: 500, RecordMs: 100_000, IdleMs: idle, CaughtUp: true},
			1: {StreamMs: 300, RecordMs: 100_000 - idle - 1, IdleMs: idle, CaughtUp: true},
		},
		want: Watermark{StreamMs: 500, HeldBy: 0, Idle: []int32{1}},
	}, {
		name: "quiet for exactly idle: still holds",
		n:    2, inputs: map[int32]Input{
			0: {StreamMs: 500, RecordMs: 100_000, IdleMs: idle, CaughtUp: true},
			1: {StreamMs: 300, RecordMs: 100_000 - idle, IdleMs: idle, CaughtUp: true},
		},
		want: Watermark{StreamMs: 300, HeldBy: 1},
	}, {
		name: "quiet but behind (records to read): holds",
		n:    2, inputs: map[int32]Input{
			0: {StreamMs: 500, RecordMs: 100_000, IdleMs: idle, CaughtUp: true},
			1: {StreamMs: 300, RecordMs: 1, IdleMs: idle},
		},
		want: Watermark{StreamMs: 300, HeldBy: 1},
	}, {
		name: "never carried a record, caught up: idle once another has",
		n:    2, inputs: map[int32]Input{
			0: {StreamMs: 500, RecordMs: 100_000, IdleMs: idle},
			1: {IdleMs: idle, CaughtUp: true},
		},
		want: Watermark{StreamMs: 500, HeldBy: 0, Idle: []int32{1}},
	}, {
		name: "idleness off",
		n:    2, inputs: map[int32]Input{
			0: {StreamMs: 500, RecordMs: 100_000},
			1: {StreamMs: 300, RecordMs: 1, CaughtUp: true},
		},
		want: Watermark{StreamMs: 300, HeldBy: 1},
	}, {
		name: "the partition with the newest record is never idle",
		n:    1, inputs: map[int32]Input{0: {IdleMs: idle, CaughtUp: true}},
		want: Watermark{StreamMs: 0, HeldBy: 0},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := WatermarkOf(tt.inputs, tt.n)
			if got.StreamMs != tt.want.StreamMs || got.HeldBy != tt.want.HeldBy || got.GraceMs != tt.want.GraceMs ||
				!slices.Equal(got.Idle, tt.want.Idle) || !slices.Equal(got.Missing, tt.want.Missing) {
				t.Errorf("WatermarkOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClosed(t *testing.T) {
	if !Closed(8_000, 2_000, 10_000) || Closed(8_001, 2_000, 10_000) {
		t.Errorf("a window closes when its end plus the grace reaches the watermark: Closed(8000)=%v Closed(8001)=%v",
			Closed(8_000, 2_000, 10_000), Closed(8_001, 2_000, 10_000))
	}
	if Closed(-5_000, 0, 0) {
		t.Error("no watermark closes nothing")
	}
}
