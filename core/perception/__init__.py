"""Perception: frames, people and the bar — video decoding, pose and its backends, the crop around the
lifter, person tracking and the lifter's choice, scene cuts, camera view, barbell detection and tracking."""
