mod concurrency;
mod fire_event;
mod firms;
mod replay;
mod rescore;
