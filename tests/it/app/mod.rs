mod applications;
mod coaching;
mod concurrency;
mod demo;
mod fire_event;
mod firms;
mod replay;
mod rescore;
