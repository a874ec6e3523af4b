"""Movement: keypoint cleaning, joint angles, repetitions and per-rep measurements."""
